using System.Text;

namespace Cluster.Parsers.Engine;

/// <summary>
/// Finds any of a small set of markers in text pushed one character at a time. Text that cannot be the start of a
/// marker is released at once; a partial marker is held back until it either completes or turns out to be text.
/// Each character is re-examined at most (longest marker length) times, so the work stays linear.
/// </summary>
internal sealed class MarkerMatcher
{
    private readonly string[] _markers;
    private readonly bool[] _firstChars = new bool[128];
    private readonly HashSet<char> _firstCharsWide = [];
    private readonly StringBuilder _held = new();
    private readonly StringBuilder _leftover = new();
    private int _pending = -1;

    public MarkerMatcher(IEnumerable<string> markers)
    {
        // Indexes are reported in the caller's order; the first of two equal markers wins.
        _markers = markers.ToArray();
        foreach (var m in _markers)
        {
            if (m[0] < 128)
            {
                _firstChars[m[0]] = true;
            }
            else
            {
                _firstCharsWide.Add(m[0]);
            }
        }
    }

    /// <summary>The markers, in the order their indexes are reported.</summary>
    public IReadOnlyList<string> Markers => _markers;

    /// <summary>Characters held back as a possible marker start.</summary>
    public int HeldLength => _held.Length;

    /// <summary>True when no marker has <paramref name="c"/> as its first character.</summary>
    public bool CannotStart(char c) => c < 128 ? !_firstChars[c] : !_firstCharsWide.Contains(c);

    /// <summary>
    /// Pushes one character. Text proven not to be part of a marker is appended to <paramref name="released"/>.
    /// Returns the index of a marker that just completed (its text is consumed), or -1. When a marker is also the
    /// start of a longer one (<c>[</c> and <c>[TOOL_CALLS]</c>), the longer wins if it completes; otherwise the
    /// shorter is reported late and the characters after it are left in <see cref="TakeLeftover"/>.
    /// </summary>
    public int Push(char c, StringBuilder released)
    {
        if (_held.Length == 0 && CannotStart(c))
        {
            released.Append(c);
            return -1;
        }
        _held.Append(c);
        while (_held.Length > 0)
        {
            var state = Classify(out var longer);
            if (state >= 0 && !longer)
            {
                _held.Clear();
                _pending = -1;
                return state;
            }
            if (state >= 0)
            {
                _pending = state;
                return -1;
            }
            if (state == Prefix)
            {
                return -1;
            }
            if (_pending >= 0)
            {
                var match = _pending;
                _pending = -1;
                _leftover.Append(_held, _markers[match].Length, _held.Length - _markers[match].Length);
                _held.Clear();
                return match;
            }
            // Not a marker start: the first held character is text; retry from the next one.
            released.Append(_held[0]);
            _held.Remove(0, 1);
        }
        return -1;
    }

    /// <summary>Characters that followed a late-reported marker; the caller processes them next, in the new context.</summary>
    public string TakeLeftover()
    {
        if (_leftover.Length == 0)
        {
            return "";
        }
        var text = _leftover.ToString();
        _leftover.Clear();
        return text;
    }

    /// <summary>Releases everything held (end of text or a change of context).</summary>
    public void Flush(StringBuilder released)
    {
        released.Append(_held);
        _held.Clear();
        _pending = -1;
    }

    /// <summary>Hands back what is held, for a context that no longer looks for these markers.</summary>
    public string TakeHeld()
    {
        var held = _held.ToString();
        _held.Clear();
        _pending = -1;
        return held;
    }

    private const int Prefix = -1;
    private const int NoMatch = -2;

    private int Classify(out bool longer)
    {
        var prefix = false;
        var full = -1;
        for (var i = 0; i < _markers.Length; i++)
        {
            var m = _markers[i];
            if (_held.Length > m.Length)
            {
                continue;
            }
            var ok = true;
            for (var k = 0; k < _held.Length; k++)
            {
                if (_held[k] != m[k])
                {
                    ok = false;
                    break;
                }
            }
            if (!ok)
            {
                continue;
            }
            if (_held.Length == m.Length)
            {
                full = full < 0 ? i : full;
            }
            else
            {
                prefix = true;
            }
        }
        longer = prefix;
        return full >= 0 ? full : prefix ? Prefix : NoMatch;
    }
}
