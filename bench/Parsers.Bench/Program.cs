using Cluster.Parsers.Bench;

StreamingCostBenchmark.Run(Console.Out);
