"""The loopback webhook receiver acts as an HTTP server would on a request cut off mid-body."""

from __future__ import annotations

import socket
import time

from fieldbase_local.webhook_receiver import WebhookReceiver


def test_a_request_cut_off_mid_body_is_counted_not_delivered():
    with WebhookReceiver(secret="whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") as receiver:
        with socket.create_connection((receiver.host, receiver.port)) as sender:
            # A sender killed after the headers and the first bytes of its body.
            sender.sendall(
                b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b'Content-Length: 100\r\n\r\n{"type": "invo'
            )
        deadline = time.monotonic() + 5
        while receiver.cut_off == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert receiver.cut_off == 1
        assert receiver.deliveries == []
