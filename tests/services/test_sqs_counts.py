"""SendMessage no longer computes queue counts, so GetQueueAttributes must still report them exactly."""


def test_queue_counts_stay_exact_after_sends_and_receives(cloud):
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName="counted", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    for index in range(7):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{index}")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=600)
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "5"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "2"
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"
    assert attributes["VisibilityTimeout"] == "60"
