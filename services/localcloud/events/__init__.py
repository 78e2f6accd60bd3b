"""Event delivery: one module per trigger (S3 notifications, stream/queue pollers, EventBridge, SNS, ...).

Every delivery is recorded in `events.trace` so `localcloud events` can show why something did not fire.
"""
