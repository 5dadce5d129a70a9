namespace Cluster.Constraints;

/// <summary>
/// No output at all can satisfy the grammar: a <c>false</c> schema, an empty <c>enum</c> or choice, an empty numeric range, a required
/// property whose schema admits nothing. Generating would strand the model, so compiling refuses.
/// </summary>
public sealed class UnsatisfiableGrammarException(string? schemaPointer = null)
    : GrammarException($"The constraint{At(schemaPointer)} matches no output at all (e.g. a false schema, an empty enum or choice, or an empty numeric range).", schemaPointer);
