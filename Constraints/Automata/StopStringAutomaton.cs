using System.Text;

namespace Cluster.Constraints.Automata;

/// <summary>An Aho–Corasick automaton over bytes that tracks the longest suffix of the input that is a prefix of some stop string.</summary>
internal sealed class StopStringAutomaton
{
    private readonly List<int[]> _next = [];
    private readonly List<bool> _match = [];

    public int Count => _next.Count;

    public bool IsMatch(int state) => _match[state];

    public int Next(int state, byte b) => _next[state][b];

    public static StopStringAutomaton Build(IEnumerable<string> stopStrings)
    {
        var automaton = new StopStringAutomaton();
        var children = new List<Dictionary<byte, int>>();
        int Add()
        {
            children.Add([]);
            automaton._match.Add(false);
            automaton._next.Add(new int[256]);
            return children.Count - 1;
        }
        Add();
        foreach (var stop in stopStrings)
        {
            var bytes = Encoding.UTF8.GetBytes(stop);
            if (bytes.Length == 0) continue;
            var state = 0;
            foreach (var b in bytes)
            {
                if (!children[state].TryGetValue(b, out var child))
                {
                    child = Add();
                    children[state][b] = child;
                }
                state = child;
            }
            automaton._match[state] = true;
        }
        // Breadth-first failure links turn the trie into a complete transition function.
        var fail = new int[children.Count];
        var queue = new Queue<int>();
        for (var b = 0; b < 256; b++)
        {
            if (children[0].TryGetValue((byte)b, out var child))
            {
                automaton._next[0][b] = child;
                fail[child] = 0;
                queue.Enqueue(child);
            }
        }
        while (queue.TryDequeue(out var state))
        {
            automaton._match[state] |= automaton._match[fail[state]];
            for (var b = 0; b < 256; b++)
            {
                if (children[state].TryGetValue((byte)b, out var child))
                {
                    automaton._next[state][b] = child;
                    fail[child] = automaton._next[fail[state]][b];
                    queue.Enqueue(child);
                }
                else
                {
                    automaton._next[state][b] = automaton._next[fail[state]][b];
                }
            }
        }
        return automaton;
    }
}
