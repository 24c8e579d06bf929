#!/bin/bash
# The standard tool for bench/lambda.sh: the shell custom runtime of AWS's Lambda tutorial "Building a
# custom runtime" (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-walkthrough.html), its
# `bootstrap` file as published there, with two changes only: bash named in the first line (the tutorial's
# `#!/bin/sh` is bash on Amazon Linux, but Debian's dash refuses `set -o pipefail`), and these comments.
# The handler it sources is lambda_shell_function.sh (_HANDLER=lambda_shell_function.handler,
# LAMBDA_TASK_ROOT=bench/). Like the original it leaves one mktemp file per invocation behind (the
# benchmark points TMPDIR at its scratch directory) and ends when curl fails (the API going away).

set -euo pipefail

# Initialization - load function handler
# shellcheck disable=SC1090,SC2086 # the tutorial's line, as published
source $LAMBDA_TASK_ROOT/"$(echo $_HANDLER | cut -d. -f1).sh"

# Processing
while true
do
  HEADERS="$(mktemp)"
  # Get an event. The HTTP request will block until one is received
  EVENT_DATA=$(curl -sS -LD "$HEADERS" -X GET "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")

  # Extract request ID by scraping response headers received above
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)

  # Run the handler function from the script
  RESPONSE=$($(echo "$_HANDLER" | cut -d. -f2) "$EVENT_DATA")

  # Send the response
  curl -X POST "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response"  -d "$RESPONSE"
done
