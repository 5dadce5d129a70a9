using System.Numerics;
using Cluster.Constraints.Grammars;

namespace Cluster.Constraints.JsonSchema;

/// <summary>
/// JSON numbers within bounds, enforced exactly with digit-range automata (no sampling-time arithmetic).
/// Numbers are generated in plain canonical form: no leading zeros, no <c>-0</c> for integers, exponents only when unbounded.
/// </summary>
internal static class NumberGrammars
{
    /// <summary>Digits allowed for an integer part with no upper bound (keeps values inside what every JSON parser reads exactly).</summary>
    public const int MaxUnboundedDigits = 15;

    /// <summary>Most fraction digits generated.</summary>
    public const int MaxFractionDigits = 8;

    private static readonly Grammar Digit = Range('0', '9');

    /// <summary>A bound on a value: the value itself and whether it is excluded.</summary>
    public readonly record struct Bound(BigInteger Value, bool Exclusive);

    /// <summary>Integers n with <paramref name="lo"/> ≤ n ≤ <paramref name="hi"/> (either side open when null).</summary>
    public static Grammar Integer(BigInteger? lo, BigInteger? hi)
    {
        if (lo is { } l && hi is { } h && l > h) return Grammar.Nothing;
        var options = new List<Grammar>();
        if (hi is null || hi >= 0) options.Add(NonNegative(BigInteger.Max(lo ?? 0, 0), hi));
        if (lo is null || lo < 0)
        {
            var magnitudeLo = hi is { } upper && upper < 0 ? -upper : BigInteger.One;
            options.Add(Grammar.Sequence(Grammar.Literal("-"), NonNegative(magnitudeLo, lo is { } lower ? -lower : null)));
        }
        return Grammar.Alternatives([.. options]);
    }

    /// <summary>Any JSON number (bounded digit counts; see <see cref="MaxUnboundedDigits"/>).</summary>
    public static Grammar AnyNumber()
    {
        var exponent = Grammar.Sequence(
            new ByteClassNode([((byte)'E', (byte)'E'), ((byte)'e', (byte)'e')]),
            Grammar.Optional(new ByteClassNode([((byte)'+', (byte)'+'), ((byte)'-', (byte)'-')])),
            Range('1', '9'),
            Grammar.Optional(Digit));
        return Grammar.Sequence(Grammar.Optional(Grammar.Literal("-")), NonNegative(0, null), AnyFraction, Grammar.Optional(exponent));
    }

    /// <summary>JSON numbers x with lo ≤ x ≤ hi (or strict), for integer-valued bounds; no exponent.</summary>
    public static Grammar Number(Bound? lo, Bound? hi)
    {
        var options = new List<Grammar>();
        // Unsigned spellings: magnitudes from max(lo, 0).
        if (hi is null || hi.Value.Value > 0 || (hi.Value.Value == 0 && !hi.Value.Exclusive))
        {
            var a = lo is { } l && l.Value >= 0 ? l : new Bound(0, false);
            options.Add(Magnitude(a, hi));
        }
        // Signed spellings: magnitudes of negative values; 0 itself is left to the unsigned side.
        if (lo is null || lo.Value.Value < 0)
        {
            var a = hi is { } h && h.Value < 0 ? new Bound(-h.Value, h.Exclusive) : new Bound(0, true);
            Bound? b = lo is { } l ? new Bound(-l.Value, l.Exclusive) : null;
            options.Add(Grammar.Sequence(Grammar.Literal("-"), Magnitude(a, b)));
        }
        return options.Count == 0 ? Grammar.Nothing : Grammar.Alternatives([.. options]);
    }

    private enum Fraction
    {
        None,
        Zero,
        NonZero,
        Any,
    }

    private static readonly Grammar AnyFraction = Grammar.Optional(Grammar.Sequence(Grammar.Literal("."), Grammar.Repeat(Digit, 1, MaxFractionDigits)));

    private static Grammar FractionGrammar(Fraction fraction) => fraction switch
    {
        Fraction.Any => AnyFraction,
        Fraction.Zero => Grammar.Optional(Grammar.Sequence(Grammar.Literal("."), Grammar.Repeat(Grammar.Literal("0"), 1, MaxFractionDigits))),
        Fraction.NonZero => Grammar.Sequence(
            Grammar.Literal("."), Grammar.Repeat(Grammar.Literal("0"), 0, MaxFractionDigits - 1), Range('1', '9'), Grammar.Repeat(Digit, 0, MaxFractionDigits - 1)),
        _ => Grammar.Nothing,
    };

    private static Fraction Intersect(Fraction a, Fraction b)
    {
        if (a == Fraction.None || b == Fraction.None) return Fraction.None;
        if (a == Fraction.Any) return b;
        if (b == Fraction.Any) return a;
        return a == b ? a : Fraction.None;
    }

    /// <summary>Unsigned decimals m = I.F with a ≤ m ≤ b (bounds possibly strict, b open when null), a ≥ 0.</summary>
    private static Grammar Magnitude(Bound a, Bound? b)
    {
        // For each integer part I the allowed fractions are (what the lower bound allows) ∩ (what the upper bound allows).
        Fraction Lower(BigInteger i) => i > a.Value ? Fraction.Any : i == a.Value ? (a.Exclusive ? Fraction.NonZero : Fraction.Any) : Fraction.None;
        Fraction Upper(BigInteger i) => b is not { } bb || i < bb.Value ? Fraction.Any : i == bb.Value ? (bb.Exclusive ? Fraction.None : Fraction.Zero) : Fraction.None;

        var options = new List<Grammar>();
        BigInteger? middleHi = b is { } upper ? upper.Value - 1 : null;
        if (middleHi is null || middleHi >= a.Value + 1)
        {
            options.Add(Grammar.Sequence(NonNegative(a.Value + 1, middleHi), AnyFraction));
        }
        var atA = Intersect(Lower(a.Value), Upper(a.Value));
        if (atA != Fraction.None) options.Add(Grammar.Sequence(Grammar.Literal(a.Value.ToString()), FractionGrammar(atA)));
        if (b is { } bound && bound.Value > a.Value)
        {
            var atB = Intersect(Lower(bound.Value), Upper(bound.Value));
            if (atB != Fraction.None) options.Add(Grammar.Sequence(Grammar.Literal(bound.Value.ToString()), FractionGrammar(atB)));
        }
        return options.Count == 0 ? Grammar.Nothing : Grammar.Alternatives([.. options]);
    }

    /// <summary>Canonical decimal integers in [lo, hi] (lo ≥ 0; hi open when null, capped at <see cref="MaxUnboundedDigits"/> digits or one more than lo has).</summary>
    public static Grammar NonNegative(BigInteger lo, BigInteger? hi)
    {
        var upper = hi ?? BigInteger.Max(BigInteger.Pow(10, MaxUnboundedDigits) - 1, BigInteger.Pow(10, lo.ToString().Length + 1) - 1);
        if (lo > upper) return Grammar.Nothing;
        var options = new List<Grammar>();
        var loText = lo.ToString();
        var hiText = upper.ToString();
        for (var length = loText.Length; length <= hiText.Length; length++)
        {
            var from = length == loText.Length ? loText : "1" + new string('0', length - 1);
            var to = length == hiText.Length ? hiText : new string('9', length);
            if (length == 1 && length != loText.Length) from = "0";
            options.Add(SameLength(from, to));
        }
        return Grammar.Alternatives([.. options]);
    }

    /// <summary>Digit strings of one length between <paramref name="from"/> and <paramref name="to"/> inclusive.</summary>
    private static Grammar SameLength(string from, string to)
    {
        if (from.Length == 0) return Grammar.Empty;
        if (from.Length == 1) return Range(from[0], to[0]);
        if (from[0] == to[0]) return Grammar.Sequence(Grammar.Literal(from[..1]), SameLength(from[1..], to[1..]));
        var restLength = from.Length - 1;
        var rest = Grammar.Repeat(Digit, restLength, restLength);
        if (from[1..].All(c => c == '0') && to[1..].All(c => c == '9')) return Grammar.Sequence(Range(from[0], to[0]), rest);
        var options = new List<Grammar>
        {
            Grammar.Sequence(Grammar.Literal(from[..1]), SameLength(from[1..], new string('9', restLength))),
        };
        if (to[0] - from[0] >= 2) options.Add(Grammar.Sequence(Range((char)(from[0] + 1), (char)(to[0] - 1)), rest));
        options.Add(Grammar.Sequence(Grammar.Literal(to[..1]), SameLength(new string('0', restLength), to[1..])));
        return Grammar.Alternatives([.. options]);
    }

    private static Grammar Range(char lo, char hi) => new ByteClassNode([((byte)lo, (byte)hi)]);
}
