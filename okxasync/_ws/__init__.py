"""Real-time funding events: the private business WebSocket, gap-filled over REST.

``protocol`` (messages), ``connection`` (one socket with its heartbeat), ``hub`` (the
client's shared, supervised connection), ``dedupe`` (what to yield), ``fill`` (REST
reads), ``stream`` (``EventStream``), ``watch`` (opening streams), ``kinds``, ``timing``,
``urls``.
"""
