# syntax=docker/dockerfile:1
# The gateway: the OpenAI-compatible HTTP API, an Orleans client of the silos (no models). Build from the repository root:
#   docker build -f deploy/images/gateway.Dockerfile -t REGISTRY/llm-cluster/gateway:latest .
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.nuget/packages \
    dotnet publish Gateway/Gateway.csproj -c Release --no-self-contained -o /app

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS final
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="llm-cluster-gateway" \
      org.opencontainers.image.description="OpenAI-compatible HTTP gateway (Orleans client) of the LLM cluster" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://example.com/llm-cluster"
WORKDIR /app
COPY --from=build /app .
USER ${APP_UID}
EXPOSE 8000
# Docker only: /health is 200 once some model has a live replica.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/8000 && printf "GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3 && head -n 1 <&3 | grep -q " 200 "'
ENTRYPOINT ["dotnet", "/app/Cluster.Gateway.dll", "gateway"]
# Overridden by Kubernetes args; pass --cluster redis://HOST:PORT (or CLUSTER_REDIS) as well.
CMD ["--host", "0.0.0.0", "--port", "8000"]
