using R2ec.Cli;

return CliApp.Run(args, Console.Out, Console.Error);
