"""What every event source mapping poller shares: the thread, the invoke, filters, on-failure destinations."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid as uuidlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from localcloud.clock import clock
from localcloud.events import trace, wakeup

log = logging.getLogger("localcloud.events.esm")


@dataclass
class BatchResult:
    ok: bool  # the function returned without error
    failed_ids: list[str] | None  # ReportBatchItemFailures identifiers; None = no partial response
    status_code: int = 200
    function_error: str | None = None
    request_id: str = ""
    error: str = ""


def iso_millis(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def iso_seconds(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class BasePoller(threading.Thread):
    def __init__(self, esm: Any, checkpoints: Any) -> None:
        super().__init__(name=f"esm-{esm.uuid[:8]}", daemon=True)
        self.esm = esm
        self.checkpoints = checkpoints
        self.source_arn: str = esm.event_source_arn
        _, _, self.service, self.region, self.account, _ = self.source_arn.split(":", 5)
        self._stop_event = threading.Event()
        self._patterns = None
        self._patterns_of: Any = object()

    # -- lifecycle ------------------------------------------------------------------------------------
    def stop(self) -> None:
        self._stop_event.set()
        wakeup.notify(self.source_arn)

    @property
    def stopping(self) -> bool:
        return self._stop_event.is_set()

    def run(self) -> None:
        while not self.stopping:
            try:
                self.poll_once()
            except Exception:  # the source vanished mid-poll, a restore swapped models: log, back off, go on
                log.exception("event source mapping %s (%s) failed a poll; retrying", self.esm.uuid, self.source_arn)
                self._stop_event.wait(1.0)

    def poll_once(self) -> None:
        raise NotImplementedError

    def idle(self, since: int, wall_seconds: float) -> None:
        """Sleep until data arrives after token `since`, the mapping changes, or `wall_seconds` pass."""
        wakeup.wait(self.source_arn, since, wall_seconds)

    @property
    def enabled(self) -> bool:
        return bool(self.esm.enabled)

    # -- invoking -------------------------------------------------------------------------------------
    def invoke(self, records: list[dict[str, Any]]) -> BatchResult:
        from localcloud.runtime import current

        payload = json.dumps({"Records": records}).encode()
        started = time.perf_counter()
        try:
            result = current().invoke(self.esm.function_arn, payload, "RequestResponse",
                                      account_id=self.account, region=self.region)
        except Exception as exc:  # throttled, function deleted, runtime not runnable: a failed batch
            self._trace("error", started, len(records), f"{type(exc).__name__}: {exc}")
            return BatchResult(False, None, 0, None, "", f"{type(exc).__name__}: {exc}")
        if result.function_error:
            self._trace("error", started, len(records), result.payload.decode("utf-8", "replace")[:300])
            return BatchResult(False, None, result.status_code, result.function_error, result.request_id)
        failed = self._partial_failures(result.payload)
        self._trace("ok" if not failed else "partial", started, len(records),
                    f"{len(failed)} of {len(records)} reported failed" if failed else f"{len(records)} records")
        return BatchResult(True, failed, result.status_code, None, result.request_id)

    def _partial_failures(self, payload: bytes) -> list[str] | None:
        """batchItemFailures, only when the mapping asked for them; a malformed one fails the whole batch.

        https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
        (success: empty/null list or response; complete failure: empty/null itemIdentifier).
        """
        if "ReportBatchItemFailures" not in (self.esm.function_response_types or []):
            return None
        try:
            response = json.loads(payload or b"null")
        except ValueError:
            return None
        if not isinstance(response, dict) or not response.get("batchItemFailures"):
            return None
        ids = []
        for item in response["batchItemFailures"]:
            identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
            if not identifier:
                return ["*"]  # a malformed entry: the whole batch failed
            ids.append(str(identifier))
        return ids

    def _trace(self, result: str, started: float, count: int, detail: str) -> None:
        trace.record(f"{self.service}:{self.source_arn}", self.esm.function_arn, result,
                     latency_ms=(time.perf_counter() - started) * 1000, detail=detail)

    # -- filters --------------------------------------------------------------------------------------
    def matches(self, record: dict[str, Any]) -> bool:
        """FilterCriteria: EventBridge pattern syntax, any pattern may match; data/body decoded as JSON.

        https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
        """
        criteria = self.esm.filter_criteria
        if criteria is not self._patterns_of:
            from localcloud.moto_adapter import EventPattern

            self._patterns_of = criteria
            self._patterns = [EventPattern.load(f["Pattern"]) for f in (criteria or {}).get("Filters", [])
                              if f.get("Pattern")]
        if not self._patterns:
            return True
        view = self.filter_view(record)
        return any(pattern.matches_event(view) for pattern in self._patterns)

    def filter_view(self, record: dict[str, Any]) -> dict[str, Any]:
        return record

    def trace_filtered(self, record_id: str) -> None:
        """Say in the trace that a record was not delivered because no filter matched it (AWS drops it)."""
        trace.record(f"{self.service}:{self.source_arn}", self.esm.function_arn, "filtered",
                     detail=f"{record_id} matched none of the mapping's FilterCriteria")

    # -- on-failure destination -----------------------------------------------------------------------
    def send_to_destination(self, info_key: str, info: dict[str, Any], condition: str, attempts: int,
                            last: BatchResult | None) -> None:
        """The invocation record (a pointer to the records, not their data) for streams and SQS destinations.

        https://docs.aws.amazon.com/lambda/latest/dg/invocation-retries.html / kinesis-on-failure-destination
        """
        destination = ((self.esm.destination_config or {}).get("OnFailure") or {}).get("Destination")
        if not destination:
            trace.record(f"{self.service}:{self.source_arn}", self.esm.function_arn, "dropped",
                         attempts=attempts, detail=f"{condition}: {json.dumps(info)[:300]}")
            return
        document = {
            "requestContext": {"requestId": (last.request_id if last else "") or str(uuidlib.uuid4()),
                               "functionArn": self.esm.function_arn, "condition": condition,
                               "approximateInvokeCount": attempts},
            "responseContext": {"statusCode": last.status_code if last else 0, "executedVersion": "$LATEST",
                                # null when the function returned (a partial batch response failed it)
                                "functionError": (last.function_error if last else None) or None},
            "version": "1.0", "timestamp": iso_millis(time.time()), info_key: info,
        }
        from localcloud.events.targets import DeliveryContext, TargetError, deliver

        denied = self._role_may_send(destination)
        if denied:  # Lambda sends the record as the function's execution role
            trace.record(f"{self.service}:{self.source_arn}", destination, "dropped", attempts=attempts,
                         detail=denied)
            return
        try:
            deliver(destination, json.dumps(document), DeliveryContext(source=f"{self.service}:{self.source_arn}"))
        except TargetError as exc:
            log.error("mapping %s could not send a failed batch to its on-failure destination: %s",
                      self.esm.uuid, exc)

    def _role_may_send(self, destination: str) -> str | None:
        from localcloud.iam.delivery import execution_role_may_send
        from localcloud.moto_adapter import lambda_backends

        parts = self.esm.function_arn.split(":")
        try:
            function = lambda_backends[parts[4]][parts[3]].get_function(parts[6])
        except Exception:  # noqa: BLE001  the function is gone: nothing to send as
            return None
        return execution_role_may_send(function.role, function.function_name, destination, parts[3],
                                       f"event source mapping {self.esm.uuid}: failed batch -> {destination}")

    def backoff(self, attempt: int) -> None:
        """Between retries of a failed batch: short, growing, on the local clock."""
        clock().sleep(min(0.2 * 2 ** attempt, 30.0), self._stop_event)
