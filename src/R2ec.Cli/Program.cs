using System.Globalization;
using R2ec.Cli;

// Output and parsing never depend on the machine's locale; ICU stays loaded for Unicode normalisation (tokenizer NFC).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
return CliApp.Run(args, Console.Out, Console.Error);
