# Container images: ECR repositories as an image function's Terraform declares them (scan on push, tags,
# immutable tags, force_delete), their lifecycle and repository policies, and the authorization token.
resource "aws_ecr_repository" "functions" {
  name                 = "${var.name}/functions"
  image_tag_mutability = "MUTABLE"
  force_delete         = true # the conformance test pushes an image; destroy removes it with the repository
  image_scanning_configuration {
    scan_on_push = true
  }
  encryption_configuration {
    encryption_type = "AES256"
  }
  tags = { team = "data" }
}

resource "aws_ecr_repository" "pinned" {
  name                 = "${var.name}/pinned"
  image_tag_mutability = "IMMUTABLE"
}

resource "aws_ecr_lifecycle_policy" "functions" {
  repository = aws_ecr_repository.functions.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "expire untagged images after a day"
      selection = {
        tagStatus   = "untagged"
        countType   = "sinceImagePushed"
        countUnit   = "days"
        countNumber = 1
      }
      action = { type = "expire" }
    }]
  })
}

data "aws_iam_policy_document" "image_pull" {
  statement {
    sid     = "LambdaPull"
    actions = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_ecr_repository_policy" "functions" {
  repository = aws_ecr_repository.functions.name
  policy     = data.aws_iam_policy_document.image_pull.json
}

data "aws_ecr_authorization_token" "registry" {}
