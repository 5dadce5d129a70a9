# syntax=docker/dockerfile:1
# The silo: loads a model and joins the cluster. Build from the repository root:
#   docker build -f deploy/images/silo.Dockerfile -t REGISTRY/llm-cluster/silo:cpu .
#   docker build -f deploy/images/silo.Dockerfile --build-arg TORCH_BACKEND=cuda -t REGISTRY/llm-cluster/silo:cuda .
# TORCH_BACKEND picks the TorchSharp package (-p:TorchBackend) and the final base image: cpu → ASP.NET runtime,
# cuda → NVIDIA CUDA runtime with the ASP.NET runtime copied in.
ARG TORCH_BACKEND=cpu
ARG DOTNET_VERSION=10.0
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-runtime-ubuntu24.04

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
ARG TORCH_BACKEND
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.nuget/packages \
    dotnet publish Silo/Silo.csproj -c Release -p:TorchBackend=${TORCH_BACKEND} --no-self-contained -o /app

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS aspnet

# CPU: the ASP.NET runtime image already has a non-root user `app` ($APP_UID).
FROM aspnet AS runtime-cpu
ENV OMP_WAIT_POLICY=PASSIVE

# CUDA: the CUDA runtime image plus the .NET runtime and what it needs (ICU: tokenizers normalize text).
FROM ${CUDA_IMAGE} AS runtime-cuda
ENV APP_UID=1654 DOTNET_ROOT=/usr/share/dotnet
COPY --from=aspnet /usr/share/dotnet /usr/share/dotnet
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libicu74 libssl3t64 \
    && rm -rf /var/lib/apt/lists/* \
    && ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
    && (userdel -r ubuntu 2>/dev/null || true) \
    && groupadd --gid ${APP_UID} app \
    && useradd --uid ${APP_UID} --gid app --no-create-home --shell /usr/sbin/nologin app

FROM runtime-${TORCH_BACKEND} AS final
ARG TORCH_BACKEND
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="llm-cluster-silo" \
      org.opencontainers.image.description="Orleans silo serving an LLM (TorchSharp ${TORCH_BACKEND}) for the OpenAI-compatible cluster" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://example.com/llm-cluster"
WORKDIR /app
COPY --from=build /app .
USER ${APP_UID}
# 8080: /health, /livez, /metrics. 11111: silo-to-silo. 30000: Orleans client gateway.
EXPOSE 8080 11111 30000
# Docker only (Kubernetes uses its own probes): readiness on /health, with bash's /dev/tcp since the image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=600s --retries=3 \
    CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3 && head -n 1 <&3 | grep -q " 200 "'
ENTRYPOINT ["dotnet", "/app/Cluster.Silo.dll"]
# Overridden by Kubernetes args; with `docker run` pass --cluster redis://HOST:PORT (or CLUSTER_REDIS) as well.
CMD ["--model", "/models/model", "--host", "0.0.0.0", "--health-port", "8080", "--silo-port", "11111", "--gateway-port", "30000"]
