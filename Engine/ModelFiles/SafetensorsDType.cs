namespace Cluster.Engine.ModelFiles;

/// <summary>Element types of the safetensors format, named as the format's header spells them.</summary>
public enum SafetensorsDType
{
    F32,
    F16,
    BF16,
    F64,
    I64,
    I32,
    I16,
    I8,
    U8,
    BOOL,
}

/// <summary>Sizes and header names of <see cref="SafetensorsDType"/> values.</summary>
public static class SafetensorsDTypes
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F64 or SafetensorsDType.I64 => 8,
        SafetensorsDType.F32 or SafetensorsDType.I32 => 4,
        SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.I16 => 2,
        _ => 1,
    };

    /// <summary>Parses a header dtype string such as <c>"BF16"</c>.</summary>
    /// <exception cref="InvalidDataException">The dtype is not one the format defines (or one we read).</exception>
    public static SafetensorsDType Parse(string text) =>
        Enum.TryParse<SafetensorsDType>(text, ignoreCase: false, out var dtype) && Enum.IsDefined(dtype)
            ? dtype
            : throw new InvalidDataException($"Unsupported safetensors dtype '{text}'.");

    /// <summary>The dtype a Hugging Face <c>torch_dtype</c> string names (float32, bfloat16, float16).</summary>
    public static SafetensorsDType FromTorchDtype(string torchDtype) => torchDtype switch
    {
        "float32" => SafetensorsDType.F32,
        "bfloat16" => SafetensorsDType.BF16,
        "float16" => SafetensorsDType.F16,
        _ => throw new ArgumentException($"Unsupported torch_dtype '{torchDtype}'.", nameof(torchDtype)),
    };

    /// <summary>The <c>torch_dtype</c> string Hugging Face writes for a floating-point dtype.</summary>
    public static string ToTorchDtype(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F32 => "float32",
        SafetensorsDType.BF16 => "bfloat16",
        SafetensorsDType.F16 => "float16",
        _ => throw new ArgumentException($"{dtype} is not a floating-point weight dtype.", nameof(dtype)),
    };
}
