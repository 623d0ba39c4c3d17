# syntax=docker/dockerfile:1
# The r2ec image: `docker build -t r2ec:dev .` from the repository root. Its entrypoint is the r2ec command; the
# Kubernetes manifests (k8s/) pass `node --role ... --config /etc/r2ec/cluster.json` as arguments.

# TORCH_BACKEND: cpu (libtorch-cpu) or cuda (TorchSharp-cuda-linux, for GPU nodes): `docker build --build-arg TORCH_BACKEND=cuda .`
# Both stages are Ubuntu 24.04 (noble), whose libstdc++ has GLIBCXX_3.4.32, which TorchSharp's native wrapper asks for
# (docs/torch-backend.md); on Debian 12 only the build output's patched copy loads.
ARG TORCH_BACKEND=cpu

# Build stage: the SDK publishes the CLI (assembly r2ec) and everything it references.
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
ARG TORCH_BACKEND
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props .editorconfig ./
# cluster-config/local.json is embedded into R2ec.Training as the default configuration.
COPY cluster-config/ cluster-config/
COPY src/ src/
RUN dotnet publish src/R2ec.Cli -c Release -o /app -p:TorchBackend=${TORCH_BACKEND}

# Runtime stage: ASP.NET Core shared framework (Kestrel serves the blobs and the probe endpoints) with ICU, no SDK.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble
WORKDIR /app
COPY --from=build /app ./
# The image's non-root user (UID 1654), the one the pods' securityContext names.
USER $APP_UID
# 2552 Akka.Remote, 8080 the learner's blob server, 8558 health (/alive, /ready) and /metrics.
EXPOSE 2552 8080 8558
ENTRYPOINT ["dotnet", "/app/r2ec.dll"]
