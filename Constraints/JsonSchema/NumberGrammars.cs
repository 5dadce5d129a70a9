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
    public readonly record struct Bound(decimal Value, bool Exclusive);

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

    /// <summary>JSON numbers x with lo ≤ x ≤ hi (either strict, either open when null); plain decimals, no exponent.</summary>
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

    private static readonly Grammar AnyFraction = Grammar.Optional(Grammar.Sequence(Grammar.Literal("."), Grammar.Repeat(Digit, 1, MaxFractionDigits)));

    /// <summary>Unsigned decimals m = I.F with a ≤ m ≤ b (bounds possibly strict, b open when null), a ≥ 0.</summary>
    private static Grammar Magnitude(Bound a, Bound? b)
    {
        var (aInt, aFrac) = Split(a.Value);
        var options = new List<Grammar>();
        if (b is { } upper)
        {
            var (bInt, bFrac) = Split(upper.Value);
            if (bInt - 1 >= aInt + 1) options.Add(Grammar.Sequence(NonNegative(aInt + 1, bInt - 1), AnyFraction));
            if (aInt == bInt)
            {
                options.Add(Grammar.Sequence(Grammar.Literal(aInt.ToString()), Fraction(aFrac, a.Exclusive, bFrac, upper.Exclusive)));
            }
            else if (aInt < bInt)
            {
                options.Add(Grammar.Sequence(Grammar.Literal(aInt.ToString()), Fraction(aFrac, a.Exclusive, null, false)));
                options.Add(Grammar.Sequence(Grammar.Literal(bInt.ToString()), Fraction(null, false, bFrac, upper.Exclusive)));
            }
        }
        else
        {
            options.Add(Grammar.Sequence(NonNegative(aInt + 1, null), AnyFraction));
            options.Add(Grammar.Sequence(Grammar.Literal(aInt.ToString()), Fraction(aFrac, a.Exclusive, null, false)));
        }
        return Grammar.Alternatives([.. options]);
    }

    /// <summary>Integer part and fraction digits (no trailing zeros) of a non-negative decimal.</summary>
    private static (BigInteger Integer, string Fraction) Split(decimal value)
    {
        var integer = decimal.Truncate(value);
        var text = (value - integer).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var fraction = text.Contains('.') ? text[(text.IndexOf('.') + 1)..].TrimEnd('0') : "";
        return (new BigInteger(integer), fraction);
    }

    // Where the fraction digits stand against a bound's digits, read left to right.
    private enum Lower { Satisfied, Tight, NeedNonZero, Dead }

    private enum Upper { Satisfied, Tight, MustBeZero, Dead }

    /// <summary>
    /// An optional fraction <c>.d1d2…</c> whose value f satisfies 0.lo ≤ f (or &lt;) and f ≤ 0.hi (or &lt;), for bound digit
    /// strings without trailing zeros (empty = 0); null bound = no constraint from that side. Absent fraction means f = 0.
    /// </summary>
    private static Grammar Fraction(string? lo, bool loExclusive, string? hi, bool hiExclusive)
    {
        var lower = lo is null ? Lower.Satisfied : lo.Length == 0 ? (loExclusive ? Lower.NeedNonZero : Lower.Satisfied) : Lower.Tight;
        var upper = hi is null ? Upper.Satisfied : hi.Length == 0 ? (hiExclusive ? Upper.Dead : Upper.MustBeZero) : Upper.Tight;
        if (upper == Upper.Dead) return Grammar.Nothing;
        var options = new List<Grammar>();
        if (Accepts(lower, upper)) options.Add(Grammar.Empty);
        var digits = Digits(0, lower, upper, lo ?? "", loExclusive, hi ?? "", hiExclusive);
        if (digits is not NothingNode) options.Add(Grammar.Sequence(Grammar.Literal("."), digits));
        return options.Count == 0 ? Grammar.Nothing : Grammar.Alternatives([.. options]);
    }

    private static bool Accepts(Lower lower, Upper upper) => lower == Lower.Satisfied && upper != Upper.Dead;

    /// <summary>One or more fraction digits from position <paramref name="position"/> on, given the comparison states so far.</summary>
    private static Grammar Digits(int position, Lower lower, Upper upper, string lo, bool loExclusive, string hi, bool hiExclusive)
    {
        if (position >= MaxFractionDigits) return Grammar.Nothing;
        if (lower == Lower.Satisfied && upper == Upper.Satisfied) return Grammar.Repeat(Digit, 1, MaxFractionDigits - position);
        var options = new List<Grammar>();
        var d = 0;
        while (d <= 9)
        {
            var (nextLower, nextUpper) = (StepLower(lower, position, d, lo, loExclusive), StepUpper(upper, position, d, hi, hiExclusive));
            // Group neighbouring digits that lead to the same states.
            var e = d;
            while (e + 1 <= 9 && StepLower(lower, position, e + 1, lo, loExclusive) == nextLower && StepUpper(upper, position, e + 1, hi, hiExclusive) == nextUpper) e++;
            if (nextLower != Lower.Dead && nextUpper != Upper.Dead)
            {
                var rest = new List<Grammar>();
                if (Accepts(nextLower, nextUpper)) rest.Add(Grammar.Empty);
                var more = Digits(position + 1, nextLower, nextUpper, lo, loExclusive, hi, hiExclusive);
                if (more is not NothingNode) rest.Add(more);
                if (rest.Count > 0) options.Add(Grammar.Sequence(Range((char)('0' + d), (char)('0' + e)), Grammar.Alternatives([.. rest])));
            }
            d = e + 1;
        }
        return options.Count == 0 ? Grammar.Nothing : Grammar.Alternatives([.. options]);
    }

    private static Lower StepLower(Lower state, int position, int digit, string lo, bool exclusive) => state switch
    {
        Lower.Satisfied => Lower.Satisfied,
        Lower.NeedNonZero => digit > 0 ? Lower.Satisfied : Lower.NeedNonZero,
        Lower.Tight when digit > lo[position] - '0' => Lower.Satisfied,
        Lower.Tight when digit == lo[position] - '0' => position + 1 < lo.Length ? Lower.Tight : exclusive ? Lower.NeedNonZero : Lower.Satisfied,
        _ => Lower.Dead,
    };

    private static Upper StepUpper(Upper state, int position, int digit, string hi, bool exclusive) => state switch
    {
        Upper.Satisfied => Upper.Satisfied,
        Upper.MustBeZero => digit == 0 ? Upper.MustBeZero : Upper.Dead,
        Upper.Tight when digit < hi[position] - '0' => Upper.Satisfied,
        Upper.Tight when digit == hi[position] - '0' => position + 1 < hi.Length ? Upper.Tight : exclusive ? Upper.Dead : Upper.MustBeZero,
        _ => Upper.Dead,
    };

    /// <summary>Canonical decimal integers in [lo, hi] (lo ≥ 0; hi open when null, capped at <see cref="MaxUnboundedDigits"/> digits or one more than lo has).</summary>
    public static Grammar NonNegative(BigInteger lo, BigInteger? hi)
    {
        // The common unbounded case as one counted run instead of one chain per length: a seventh of the automaton, which adds up
        // over schemas with thousands of numeric properties.
        if (hi is null && lo <= 1)
        {
            var positive = Grammar.Sequence(Range('1', '9'), Grammar.Repeat(Digit, 0, MaxUnboundedDigits - 1));
            return lo.IsZero ? Grammar.Alternatives(Grammar.Literal("0"), positive) : positive;
        }
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
