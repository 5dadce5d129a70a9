using Cluster.Parsers.Specs;

namespace Cluster.Parsers.Payloads;

/// <summary>Creates the reader for a payload kind.</summary>
internal static class PayloadReaders
{
    public static IPayloadReader Create(PayloadSpec payload, ToolCallFormatSpec format) => payload.Kind switch
    {
        PayloadKinds.JsonObject => new JsonObjectCallReader(payload),
        PayloadKinds.NameThenJson => new NameThenJsonCallReader(payload),
        PayloadKinds.Pythonic => new PythonicCallReader(payload),
        PayloadKinds.RelaxedObject => new RelaxedObjectCallReader(payload),
        PayloadKinds.TaggedParameters => new TaggedParameterCallReader(payload, format.Sections.Select(s => s.End).OfType<string>().Distinct()),
        _ => throw new ArgumentException($"Format '{format.Name}': payload kind '{payload.Kind}' is not supported."),
    };
}
