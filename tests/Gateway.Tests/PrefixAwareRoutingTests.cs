using Cluster.Contracts.Generation;
using Cluster.Contracts.Models;
using Cluster.Engine.KvCache;
using Cluster.Grains.Routing;

namespace Cluster.Gateway.Tests;

/// <summary>The pieces of prefix-aware routing: the landmarks routers compute, what they believe replicas hold, and the weighing.</summary>
public sealed class PrefixAwareRoutingTests
{
    private const int BlockSize = 16;

    private static int[] Prompt(int seed, int length)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => random.Next(50_000)).ToArray();
    }

    private static ReplicaStatus Replica(string silo, int running = 0, int waiting = 0, ulong[]? landmarks = null) => new(
        new ModelReplica("m", "cpu:0", silo, 0, 4096),
        new ModelGrainStatus("m", "cpu:0", running, waiting, 0, 100, BlockSize, 0, 0) { PrefixLandmarks = landmarks ?? [] },
        Draining: false);

    [Fact]
    public void A_routers_landmarks_are_the_engines_for_the_same_tokens()
    {
        var prompt = Prompt(1, 200);
        var pool = new BlockPool(16, BlockSize, prefixCaching: true);
        var hashes = new List<BlockHash>();
        BlockHash.Extend(hashes, prompt, BlockSize, prompt.Length / BlockSize);
        for (int i = 0; i < hashes.Count; i++)
        {
            Assert.True(pool.TryAllocate(out int block));
            pool.Register(block, hashes[i], i);
        }
        // 200 tokens: 12 full blocks, landmarks at blocks 4, 8 and 12.
        var landmarks = PrefixAffinity.Landmarks(prompt, BlockSize);
        Assert.Equal(3, landmarks.Length);
        Assert.Equal(pool.Landmarks.Order(), landmarks.Order());
    }

    [Fact]
    public void A_replica_holds_the_prompt_up_to_its_first_missing_landmark()
    {
        var prompt = Prompt(2, 256);
        var landmarks = PrefixAffinity.Landmarks(prompt, BlockSize);
        var affinity = new PrefixAffinity();
        Assert.Equal(128, affinity.CachedTokens(Replica("a", landmarks: [landmarks[0], landmarks[1], landmarks[3]]), landmarks));
        Assert.Equal(0, affinity.CachedTokens(Replica("b", landmarks: [landmarks[1]]), landmarks));
        // Another prompt with the same first 64 tokens shares exactly one landmark.
        var other = prompt[..64].Concat(Prompt(3, 192)).ToArray();
        Assert.Equal(64, affinity.CachedTokens(Replica("a", landmarks: [.. landmarks]), PrefixAffinity.Landmarks(other, BlockSize)));
    }

    [Fact]
    public void Recent_choices_count_until_reports_catch_up_and_stay_bounded()
    {
        var now = DateTime.UtcNow;
        var affinity = new PrefixAffinity(() => now);
        var landmarks = PrefixAffinity.Landmarks(Prompt(4, 512), BlockSize);
        var a = Replica("a");
        affinity.Record(a.Replica.GrainKey, landmarks);
        Assert.Equal(512, affinity.CachedTokens(a, landmarks));
        Assert.Equal(0, affinity.CachedTokens(Replica("b"), landmarks));
        now += PrefixAffinity.RecentWindow + TimeSpan.FromMilliseconds(1);
        Assert.Equal(0, affinity.CachedTokens(a, landmarks));
        Assert.Equal(0, affinity.RecentCount);

        for (int i = 0; i < PrefixAffinity.MaxRecent / 8 + 100; i++) affinity.Record($"r{i}", landmarks);
        Assert.True(affinity.RecentCount <= PrefixAffinity.MaxRecent);
    }

    [Fact]
    public void A_cached_prefix_wins_at_similar_load_and_load_wins_when_the_holder_is_flooded()
    {
        const int prompt = 2000;
        // Equal load: the replica holding the prompt's first 1,984 tokens wins.
        Assert.True(ReplicaScoring.Score(Replica("a", running: 2), 0, prompt, 1984) < ReplicaScoring.Score(Replica("b", running: 2), 0, prompt, 0));
        // Three sequences busier still wins; five do not.
        Assert.True(ReplicaScoring.Score(Replica("a", running: 5), 0, prompt, 1984) < ReplicaScoring.Score(Replica("b", running: 2), 0, prompt, 0));
        Assert.True(ReplicaScoring.Score(Replica("a", running: 4, waiting: 3), 0, prompt, 1984) > ReplicaScoring.Score(Replica("b", running: 2), 0, prompt, 0));
        // Sequences this router has in flight count as load too.
        Assert.True(ReplicaScoring.Score(Replica("a"), 6, prompt, 1984) > ReplicaScoring.Score(Replica("b"), 0, prompt, 0));
        // Without a prompt (or when neither holds it) it is least-loaded routing.
        Assert.True(ReplicaScoring.Score(Replica("a", running: 1), 0) > ReplicaScoring.Score(Replica("b"), 0));
        Assert.Equal(ReplicaScoring.MaxPrefixAdvantage, ReplicaScoring.Score(Replica("a"), 0, prompt, 0) - ReplicaScoring.Score(Replica("a"), 0));
    }

    [Theory]
    [InlineData("prefix-aware", RoutingPolicy.PrefixAware)]
    [InlineData("least-loaded", RoutingPolicy.LeastLoaded)]
    public void The_routing_policy_flag_names_the_policy(string flag, RoutingPolicy policy)
    {
        var flags = Silo.Cli.CommandLine.Parse(["--routing-policy", flag], Cli.ServeCommand.Options);
        Assert.Equal(policy, Silo.Cli.SiloFlags.ReadCluster(flags, []).Routing.Policy);
        Assert.Throws<ArgumentException>(() => RoutingOptions.ParsePolicy("round-robin"));
    }
}
