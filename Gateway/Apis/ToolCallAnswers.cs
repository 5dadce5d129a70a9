namespace Cluster.Gateway.Apis;

/// <summary>
/// The one rule for tool results in a request's history, for chat's <c>tool</c> messages and the Responses API's
/// <c>function_call_output</c> items alike: each answers a call made earlier in the request, once. When the request
/// continues stored state (a session, a previous response), calls made there are checked by the grain that holds
/// them; here only a second answer is refused.
/// </summary>
internal sealed class ToolCallAnswers(bool earlierCallsElsewhere)
{
    private readonly HashSet<string> _open = new(StringComparer.Ordinal);
    private readonly HashSet<string> _answered = new(StringComparer.Ordinal);

    public void Called(string id) => _open.Add(id);

    /// <param name="param">The field holding the answered call's id, named in a refusal.</param>
    public void Answered(string id, string param)
    {
        if (!_open.Contains(id) && !earlierCallsElsewhere)
            throw RequestValidationException.Invalid(param, $"'{param}' is '{id}', which answers no earlier assistant tool call.");
        if (!_answered.Add(id))
            throw RequestValidationException.Invalid(param, $"The tool call '{id}' was already answered by an earlier message.");
    }
}
