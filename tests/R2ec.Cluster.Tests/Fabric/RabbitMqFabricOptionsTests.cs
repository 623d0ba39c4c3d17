using R2ec.Actors.Fabric.RabbitMq;

namespace R2ec.Cluster.Tests.Fabric;

public sealed class RabbitMqFabricOptionsTests
{
    private const string Password = "pa55-W0rd-never-printed";

    private static Func<string, string?> Env(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => RabbitMqFabricOptions.EnvironmentPrefix + v.Name, v => v.Value);
        return name => map.GetValueOrDefault(name);
    }

    private static string EmptySecrets() => Directory.CreateTempSubdirectory("r2ec-secrets-").FullName;

    [Test]
    public void Settings_and_credentials_come_from_the_environment()
    {
        var options = RabbitMqFabricOptions.FromEnvironment(
            Env(("HOST", "rabbit.jobs"), ("PORT", "5999"), ("VHOST", "job-7"), ("JOB", "recpo-7"), ("DELIVERY_LIMIT", "3"),
                ("USERNAME", "trainer"), ("PASSWORD", Password)), EmptySecrets());

        Assert.That((options.HostName, options.Port, options.VirtualHost, options.Job, options.DeliveryLimit),
            Is.EqualTo(("rabbit.jobs", 5999, "job-7", "recpo-7", 3)));
        Assert.That(options.Credentials.UserName, Is.EqualTo("trainer"));
        Assert.That(options.Credentials.Password, Is.EqualTo(Password));
    }

    [Test]
    public void Credentials_come_from_mounted_secret_files()
    {
        var secrets = EmptySecrets();
        File.WriteAllText(Path.Combine(secrets, "username"), "operator-user\n");
        File.WriteAllText(Path.Combine(secrets, "password"), Password + "\n");

        var options = RabbitMqFabricOptions.FromEnvironment(Env(("TLS", "true")), secrets);

        Assert.That(options.Credentials.UserName, Is.EqualTo("operator-user"));
        Assert.That(options.Credentials.Password, Is.EqualTo(Password), "the file's trailing newline is not part of the password");
        Assert.That((options.UseTls, options.Port), Is.EqualTo((true, 5671)), "TLS defaults to the TLS port");
    }

    [Test]
    public void A_FILE_variable_names_the_secret_file_and_wins_over_the_plain_variable()
    {
        var file = Path.Combine(EmptySecrets(), "pw");
        File.WriteAllText(file, Password);

        var options = RabbitMqFabricOptions.FromEnvironment(Env(("USERNAME", "u"), ("PASSWORD", "plain"), ("PASSWORD_FILE", file)), EmptySecrets());

        Assert.That(options.Credentials.Password, Is.EqualTo(Password));
    }

    [Test]
    public void Nothing_set_means_the_guest_account_and_defaults()
    {
        var options = RabbitMqFabricOptions.FromEnvironment(Env(), EmptySecrets());
        Assert.That(options.Credentials, Is.SameAs(RabbitMqCredentials.Guest));
        Assert.That((options.HostName, options.Port, options.Job), Is.EqualTo(("localhost", 5672, "default")));
    }

    [Test]
    public void A_bad_value_names_its_variable()
    {
        var e = Assert.Throws<FormatException>(() => RabbitMqFabricOptions.FromEnvironment(Env(("PORT", "http")), EmptySecrets()));
        Assert.That(e!.Message, Does.Contain("R2EC_RABBITMQ_PORT").And.Contain("'http'"));
        var half = Assert.Throws<FormatException>(() => RabbitMqFabricOptions.FromEnvironment(Env(("PASSWORD", Password)), EmptySecrets()));
        Assert.That(half!.Message, Does.Contain("USERNAME").And.Not.Contain(Password));
    }

    [Test]
    public void The_password_never_appears_in_the_options_text()
    {
        var options = new RabbitMqFabricOptions { Credentials = new RabbitMqCredentials("trainer", Password) };
        Assert.That(options.ToString(), Does.Contain("trainer").And.Not.Contain(Password));
        Assert.That(options.Credentials.ToString(), Does.Not.Contain(Password));
    }
}
