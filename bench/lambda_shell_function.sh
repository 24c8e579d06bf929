# The handler of the shell runtime in lambda_shell_bootstrap.sh (AWS's custom runtime tutorial): it
# echoes the event back, so the shell runtime's figures are its loop's own cost.
function handler () {
  EVENT_DATA=$1

  echo "$EVENT_DATA"
}
