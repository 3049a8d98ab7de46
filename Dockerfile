# One image for every svodka service; the command picks the service.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
COPY libs ./libs
COPY services ./services
RUN pip install .
COPY seeds ./seeds
# Faust keeps table state (RocksDB) under this directory; mount a volume to keep it.
# faust does not create parent directories, so the image does.
ENV SVODKA_HOME=/var/lib/svodka SVODKA_DATA_DIR=/var/lib/svodka/data
RUN mkdir -p /var/lib/svodka/data && chmod -R 0777 /var/lib/svodka
ENTRYPOINT ["python", "-m"]
CMD ["svodka_services.cli.main", "--help"]
