resource "aws_glue_catalog_database" "pipeline" {
  name        = "${var.name}_pipeline"
  description = "Tables over the curated bucket."
}

resource "aws_glue_catalog_table" "readings" {
  name          = "readings"
  database_name = aws_glue_catalog_database.pipeline.name
  table_type    = "EXTERNAL_TABLE"
  parameters = {
    EXTERNAL         = "TRUE"
    "classification" = "json"
  }

  storage_descriptor {
    location      = "s3://${aws_s3_bucket.curated.id}/readings/"
    input_format  = "org.apache.hadoop.mapred.TextInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"

    ser_de_info {
      name                  = "json"
      serialization_library = "org.openx.data.jsonserde.JsonSerDe"
    }

    columns {
      name = "station_id"
      type = "string"
    }
    columns {
      name = "observed_at"
      type = "timestamp"
    }
    columns {
      name = "value"
      type = "double"
    }
  }

  partition_keys {
    name = "day"
    type = "string"
  }
}

resource "aws_athena_workgroup" "analysts" {
  name          = "${var.name}-analysts"
  force_destroy = true

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = false
    result_configuration {
      output_location = "s3://${aws_s3_bucket.curated.id}/athena-results/"
    }
  }
}
