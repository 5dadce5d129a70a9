using System.Text.Json.Nodes;

namespace Cluster.Constraints.Tests;

/// <summary>Tool and response schemas covering every supported keyword (nesting, counts, enums, anyOf, recursion, patterns, formats, bounds).</summary>
internal static class SchemaCorpus
{
    public static IReadOnlyList<(string Name, string Schema)> All { get; } =
    [
        ("weather", """{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city"],"additionalProperties":false}"""),
        ("nested-objects", """{"type":"object","properties":{"user":{"type":"object","properties":{"name":{"type":"string","maxLength":12},"address":{"type":"object","properties":{"street":{"type":"string","maxLength":20},"zip":{"type":"string","pattern":"^[0-9]{5}$"}},"required":["street","zip"]}},"required":["name","address"]}},"required":["user"]}"""),
        ("array-min-max", """{"type":"object","properties":{"tags":{"type":"array","items":{"type":"string","maxLength":8},"minItems":2,"maxItems":4}},"required":["tags"]}"""),
        ("array-of-objects", """{"type":"array","items":{"type":"object","properties":{"id":{"type":"integer","minimum":1,"maximum":999},"done":{"type":"boolean"}},"required":["id","done"]},"maxItems":3}"""),
        ("enum-mixed", """{"enum":["red","green",1,2.5,true,null,{"a":1},[1,"x"]]}"""),
        ("const", """{"type":"object","properties":{"kind":{"const":"point"},"x":{"type":"integer"},"y":{"type":"integer"}},"required":["kind","x","y"]}"""),
        ("anyOf-scalars", """{"anyOf":[{"type":"integer","minimum":0,"maximum":10},{"type":"string","enum":["none","all"]},{"type":"null"}]}"""),
        ("anyOf-objects", """{"anyOf":[{"type":"object","properties":{"circle":{"type":"number","minimum":0}},"required":["circle"]},{"type":"object","properties":{"square":{"type":"integer","exclusiveMinimum":0}},"required":["square"]}]}"""),
        ("oneOf-discriminated", """{"oneOf":[{"type":"object","properties":{"type":{"const":"cat"},"lives":{"type":"integer","minimum":0,"maximum":9}},"required":["type","lives"]},{"type":"object","properties":{"type":{"const":"dog"},"good":{"type":"boolean"}},"required":["type","good"]}]}"""),
        ("recursive-tree", """{"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},"required":["value"]}},"$ref":"#/$defs/node"}"""),
        ("recursive-root", """{"type":"object","properties":{"name":{"type":"string","maxLength":5},"next":{"anyOf":[{"$ref":"#"},{"type":"null"}]}},"required":["name","next"]}"""),
        ("pattern-anchored", """{"type":"string","pattern":"^[A-Z]{2}-[0-9]{3,5}$"}"""),
        ("pattern-search", """{"type":"string","pattern":"[0-9]{2}"}"""),
        ("pattern-alternation", """{"type":"object","properties":{"code":{"type":"string","pattern":"^(?:ERR|WARN)_[a-z_]{1,10}$"},"phone":{"type":"string","pattern":"^\\+?[0-9]{7,12}$"}},"required":["code","phone"]}"""),
        ("formats", """{"type":"object","properties":{"d":{"type":"string","format":"date"},"t":{"type":"string","format":"time"},"dt":{"type":"string","format":"date-time"},"u":{"type":"string","format":"uuid"},"e":{"type":"string","format":"email"},"ip":{"type":"string","format":"ipv4"}},"required":["d","t","dt","u","e","ip"]}"""),
        ("integer-bounds", """{"type":"object","properties":{"a":{"type":"integer","minimum":-50,"maximum":50},"b":{"type":"integer","exclusiveMinimum":100,"exclusiveMaximum":1000},"c":{"type":"integer","minimum":-1000,"maximum":-17},"d":{"type":"integer","minimum":12345}},"required":["a","b","c","d"]}"""),
        ("number-bounds", """{"type":"object","properties":{"p":{"type":"number","minimum":0,"maximum":1},"t":{"type":"number","minimum":-40,"maximum":60},"x":{"type":"number","exclusiveMinimum":-2,"exclusiveMaximum":3},"y":{"type":"number","maximum":-5}},"required":["p","t","x","y"]}"""),
        ("decimal-bounds", """{"type":"object","properties":{"p":{"type":"number","minimum":0.5,"exclusiveMaximum":2.25},"q":{"type":"number","exclusiveMinimum":-1.75,"maximum":-0.125},"r":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":0.01}},"required":["p","q","r"]}"""),
        ("format-implied-length", """{"type":"object","properties":{"email":{"type":"string","format":"email","maxLength":254},"day":{"type":"string","format":"date","minLength":10,"maxLength":10}},"required":["email","day"]}"""),
        ("string-lengths", """{"type":"object","properties":{"short":{"type":"string","minLength":2,"maxLength":4},"exact":{"type":"string","minLength":3,"maxLength":3},"long":{"type":"string","minLength":5}},"required":["short","exact","long"]}"""),
        ("optional-properties", """{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string","maxLength":3},"c":{"type":"boolean"},"d":{"type":"null"},"e":{"type":"integer"}},"required":["c"]}"""),
        ("no-required", """{"type":"object","properties":{"x":{"type":"integer"},"y":{"type":"integer"}},"additionalProperties":false}"""),
        ("additional-schema", """{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"],"additionalProperties":{"type":"integer","minimum":0,"maximum":9}}"""),
        ("free-form-object", """{"type":"object"}"""),
        ("any-value", """true"""),
        ("type-array", """{"type":["string","integer","null"],"maxLength":6,"minimum":0,"maximum":99}"""),
        ("nullable", """{"type":"object","properties":{"note":{"type":"string","nullable":true,"maxLength":5}},"required":["note"]}"""),
        ("prefix-items", """{"type":"array","prefixItems":[{"type":"string","enum":["add","sub"]},{"type":"integer"},{"type":"integer"}],"items":false,"minItems":3}"""),
        ("prefix-then-items", """{"type":"array","prefixItems":[{"const":"head"}],"items":{"type":"boolean"},"minItems":1,"maxItems":5}"""),
        ("allOf-merge", """{"allOf":[{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]},{"properties":{"b":{"type":"string","maxLength":4}},"required":["b"]}]}"""),
        ("defs-reuse", """{"$defs":{"money":{"type":"object","properties":{"amount":{"type":"integer","minimum":0},"currency":{"enum":["USD","EUR"]}},"required":["amount","currency"]}},"type":"object","properties":{"price":{"$ref":"#/$defs/money"},"tax":{"$ref":"#/$defs/money"}},"required":["price","tax"]}"""),
        ("unicode-enum", """{"type":"object","properties":{"greeting":{"enum":["héllo","中文","🙂 ok","a\"b","back\\slash"]}},"required":["greeting"]}"""),
        ("matrix", """{"type":"array","items":{"type":"array","items":{"type":"integer","minimum":0,"maximum":9},"minItems":2,"maxItems":2},"minItems":1,"maxItems":3}"""),
        ("tool-call-required", """{"type":"object","properties":{"name":{"enum":["get_weather","search"]},"arguments":{"type":"object","properties":{"query":{"type":"string","maxLength":16},"limit":{"type":"integer","minimum":1,"maximum":50}},"required":["query"],"additionalProperties":false}},"required":["name","arguments"]}"""),
        ("linked-list-defs", """{"$defs":{"list":{"anyOf":[{"type":"null"},{"type":"object","properties":{"head":{"type":"integer","minimum":0,"maximum":9},"tail":{"$ref":"#/$defs/list"}},"required":["head","tail"]}]}},"$ref":"#/$defs/list"}"""),
        ("deep-nesting", """{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"object","properties":{"c":{"type":"object","properties":{"d":{"type":"array","items":{"type":"string","pattern":"^x+$"},"maxItems":2}},"required":["d"]}},"required":["c"]}},"required":["b"]}},"required":["a"]}"""),
    ];

    public static JsonNode Parse(string schema) => JsonNode.Parse(schema)!;
}
