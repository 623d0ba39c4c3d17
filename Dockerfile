# syntax=docker/dockerfile:1
# The r2ec image: `docker build -t r2ec:dev .` from the repository root. Its entrypoint is the r2ec command; the
# Kubernetes manifests (k8s/) pass `node --role ... --config /etc/r2ec/cluster.json` as arguments.

# Build stage: the SDK publishes the CLI (assembly r2ec) and everything it references.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
# cluster-config/local.json is embedded into R2ec.Training as the default configuration.
COPY cluster-config/ cluster-config/
COPY src/ src/
RUN dotnet publish src/R2ec.Cli -c Release -o /app

# Runtime stage: ASP.NET Core shared framework (Kestrel serves the blobs and the probe endpoints) with ICU, no SDK.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
# The image's non-root user (UID 1654), the one the pods' securityContext names.
USER $APP_UID
# 2552 Akka.Remote, 8080 the learner's blob server, 8558 health (/alive, /ready) and /metrics.
EXPOSE 2552 8080 8558
ENTRYPOINT ["dotnet", "/app/r2ec.dll"]
