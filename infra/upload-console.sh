#!/usr/bin/env bash
# Uploads the web console (pkg/console/assets) to the bucket of a deployed
# stack and refreshes CloudFront. `make deploy` runs it after `cdk deploy`:
# CloudFormation cannot put files in a bucket without a custom-resource
# Lambda, and the stack keeps the console Lambda-free. Needs the AWS CLI and
# the credentials of the deploy. The local sign-in (pkg/console/local) is not
# part of the upload.
#
#   infra/upload-console.sh [stack name, default Tandem]
set -euo pipefail
stack="${1:-Tandem}"
root="$(cd "$(dirname "$0")/.." && pwd)"
output() {
  aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
bucket="$(output ConsoleBucket)"
distribution="$(output ConsoleDistributionId)"
if [[ -z "$bucket" || "$bucket" == "None" || -z "$distribution" || "$distribution" == "None" ]]; then
  echo "stack $stack has no ConsoleBucket/ConsoleDistributionId output: deploy it first (make deploy)" >&2
  exit 1
fi
# ES modules need a JavaScript content type; set it rather than trust the
# CLI's guess.
aws s3 sync "$root/pkg/console/assets" "s3://$bucket" --delete --exclude '*.js'
aws s3 sync "$root/pkg/console/assets" "s3://$bucket" --delete --exclude '*' --include '*.js' \
  --content-type 'text/javascript; charset=utf-8'
aws cloudfront create-invalidation --distribution-id "$distribution" --paths '/*' >/dev/null
echo "console uploaded: $(output ConsoleUrl)"
