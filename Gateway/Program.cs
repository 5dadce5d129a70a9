using Cluster.Gateway.Cli;

// One executable, several commands: `serve` (default) runs the cluster in one process, `gateway` serves the API for
// a cluster of separate silos (`dotnet run --project Silo`); the others are tools for users
// adding models (templates, tool-call formats) and for making test models.
string command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "serve";
string[] rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
return command switch
{
    "serve" => await ServeCommand.RunAsync(rest, Console.Out, Console.Error),
    "gateway" => await GatewayCommand.RunAsync(rest, Console.Out, Console.Error),
    "make-tiny-model" => MakeTinyModelCommand.Run(rest, Console.Out, Console.Error),
    TrainDemoModelCommand.Name => TrainDemoModelCommand.Run(rest, Console.Out, Console.Error),
    EvaluateDemoModelCommand.Name => await EvaluateDemoModelCommand.RunAsync(rest, Console.Out, Console.Error),
    "render-template" => RenderTemplateCommand.Run(rest, Console.In, Console.Out, Console.Error),
    "parse-tool-calls" => ParseToolCallsCommand.Run(rest, Console.In, Console.Out, Console.Error),
    _ => Usage(command),
};

static int Usage(string command)
{
    Console.Error.WriteLine($"unknown command '{command}'. Commands: serve, gateway, make-tiny-model, train-demo-model, evaluate-demo-model, render-template, parse-tool-calls");
    return 2;
}
