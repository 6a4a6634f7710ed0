using System.Net.Http.Headers;
using System.Text;

namespace EscalationHub.Adapters.Runtime.AgencySystem;

/// <summary>Hands one delivery to the agency system; throws when the system did not take it (it is retried).</summary>
public interface IAgencySystemTransport
{
    Task DeliverAsync(AgencyDelivery delivery, CancellationToken cancellationToken);
}

/// <summary>The agency system's HTTP interface: each delivery is a request to {Url}/{path} with the JSON body and an
/// <c>X-EscalationHub-Delivery</c> header carrying the delivery id, the same on every retry (receivers de-duplicate on
/// it: delivery is at least once). Any 2xx answer means taken; anything else, or no answer, is retried.</summary>
public sealed class HttpAgencySystemTransport(HttpClient http, Uri baseAddress, string contentType) : IAgencySystemTransport
{
    public const string DeliveryHeader = "X-EscalationHub-Delivery";

    public async Task DeliverAsync(AgencyDelivery delivery, CancellationToken cancellationToken)
    {
        var url = delivery.Path == "" ? baseAddress : new Uri(baseAddress.ToString().TrimEnd('/') + "/" + delivery.Path.TrimStart('/'));
        using var request = new HttpRequestMessage(new HttpMethod(delivery.Method), url)
        {
            Content = new StringContent(delivery.Body, Encoding.UTF8, MediaTypeHeaderValue.Parse(contentType)),
        };
        request.Headers.Add(DeliveryHeader, delivery.Id.ToString());
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new AgencySystemRefusedException($"{delivery.Method} {url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
    }
}

public sealed class AgencySystemRefusedException(string message) : Exception(message);
