using System.Globalization;
using System.Text;
using Cluster.Parsers.Engine;

namespace Cluster.Parsers.Payloads;

/// <summary>
/// Types a raw parameter value by its JSON-schema type (XML-parameter formats write every value as text):
/// <c>"42"</c> for an integer parameter becomes <c>42</c>. A value that does not fit its type stays a string.
/// </summary>
internal static class SchemaValueConverter
{
    /// <summary>True when values of this schema type are written as JSON strings (and can be streamed as they arrive).</summary>
    public static bool IsStringType(string? schemaType) => schemaType is null or "string";

    /// <summary>Converts <paramref name="raw"/> to JSON text for <paramref name="schemaType"/>. Returns false when the
    /// value had to be kept as a string against the schema.</summary>
    public static bool TryConvert(string raw, string? schemaType, bool textIsJson, StringBuilder json)
    {
        var t = raw.Trim();
        switch (schemaType)
        {
            case "integer" or "int":
                if (long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i))
                {
                    json.Append(i.ToString(CultureInfo.InvariantCulture));
                    return true;
                }
                if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) && Math.Floor(d) == d)
                {
                    json.Append(((long)d).ToString(CultureInfo.InvariantCulture));
                    return true;
                }
                break;
            case "number" or "float" or "double":
                if (JsonSyntax.IsNumber(t))
                {
                    json.Append(t);
                    return true;
                }
                if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n))
                {
                    json.Append(n.ToString("R", CultureInfo.InvariantCulture));
                    return true;
                }
                break;
            case "boolean" or "bool":
                if (t.Equals("true", StringComparison.OrdinalIgnoreCase) || t == "1")
                {
                    json.Append("true");
                    return true;
                }
                if (t.Equals("false", StringComparison.OrdinalIgnoreCase) || t == "0")
                {
                    json.Append("false");
                    return true;
                }
                break;
            case "null":
                if (t is "null" or "None" or "")
                {
                    json.Append("null");
                    return true;
                }
                break;
            case null or "string":
                if (textIsJson && JsonSyntax.IsValue(t))
                {
                    json.Append(t);
                    return true;
                }
                JsonText.AppendQuoted(json, raw);
                return true;
            default:
                // object, array, unions: the model wrote JSON text.
                if (JsonSyntax.IsValue(t))
                {
                    json.Append(t);
                    return true;
                }
                break;
        }
        JsonText.AppendQuoted(json, raw);
        return false;
    }
}
