# The image compose.yaml runs (web and worker alike): Python 3.11, the pinned requirements, the app.
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
ENV ATELIER_DATA_DIR=/var/lib/atelier
