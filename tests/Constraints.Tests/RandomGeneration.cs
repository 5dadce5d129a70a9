using System.Text;

namespace Cluster.Constraints.Tests;

/// <summary>
/// A stand-in for a tiny random-weight model at temperature 1.0: at each step a uniformly random token among those the mask
/// allows; once the grammar accepts, EOS with probability <see cref="EosProbability"/>.
/// </summary>
internal sealed class RandomGeneration(TokenVocabulary vocabulary, int seed)
{
    private readonly Random _random = new(seed);
    private readonly uint[] _mask = new uint[vocabulary.MaskWords];
    private readonly List<int> _allowed = [];

    public double EosProbability { get; init; } = 0.5;

    public int MaxTokens { get; init; } = 4000;

    public sealed record Result(byte[] Bytes, List<int> Tokens, bool EndedWithEos)
    {
        public string Text => new UTF8Encoding(false, true).GetString(Bytes);
    }

    public Result Generate(TokenMatcher matcher)
    {
        var bytes = new List<byte>();
        var tokens = new List<int>();
        for (var step = 0; step < MaxTokens; step++)
        {
            matcher.FillMask(_mask);
            _allowed.Clear();
            var eosAllowed = false;
            for (var w = 0; w < _mask.Length; w++)
            {
                var word = _mask[w];
                while (word != 0)
                {
                    var bit = System.Numerics.BitOperations.TrailingZeroCount(word);
                    word &= word - 1;
                    var id = w * 32 + bit;
                    if (vocabulary.IsEos(id)) eosAllowed = true;
                    else _allowed.Add(id);
                }
            }
            Assert.Equal(matcher.IsAccepting, eosAllowed);
            if (eosAllowed && (_allowed.Count == 0 || _random.NextDouble() < EosProbability))
            {
                Assert.True(matcher.TryAdvance(vocabulary.EosTokenIds[0]));
                Assert.True(matcher.IsFinished);
                return new Result([.. bytes], tokens, true);
            }
            Assert.True(_allowed.Count > 0, $"dead end (nothing allowed, not accepting) after: {Encoding.UTF8.GetString([.. bytes])}");
            var token = _allowed[_random.Next(_allowed.Count)];
            Assert.True(matcher.TryAdvance(token), $"masked-in token {token} was refused");
            tokens.Add(token);
            if (!vocabulary.IsSpecial(token)) bytes.AddRange(vocabulary.GetTokenBytes(token).ToArray());
        }
        return new Result([.. bytes], tokens, false);
    }
}
