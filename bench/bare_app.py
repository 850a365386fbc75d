"""The baseline: a bare Flask route that answers the same TwiML and does nothing else."""

from flask import Flask, Response

app = Flask(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


@app.post("/webhooks/twilio/messages")
def bare() -> Response:
    return Response(EMPTY_TWIML, status=200, mimetype="text/xml")
