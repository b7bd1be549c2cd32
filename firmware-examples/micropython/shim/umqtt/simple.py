"""Stand-in for MicroPython's umqtt.simple: the same MQTTClient API, over a
plain socket, speaking MQTT 3.1.1 CONNECT, PUBLISH (QoS 0 and 1), PINGREQ
and DISCONNECT. No subscriptions, no TLS: main.py needs neither. Socket
errors surface as OSError, a refused connection as MQTTException, as in
umqtt.simple."""
import socket
import struct


class MQTTException(Exception):
    pass


def _str(s):
    if isinstance(s, str):
        s = s.encode()
    return struct.pack("!H", len(s)) + s


def _remaining(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)


class MQTTClient:
    def __init__(self, client_id, server, port=0, user=None, password=None, keepalive=0, ssl=False, ssl_params={}):
        if ssl:
            raise MQTTException("the shim does not do TLS")
        self.client_id = client_id
        self.server = server
        self.port = port or 1883
        self.user = user
        self.pswd = password
        self.keepalive = keepalive
        self.sock = None
        self.pid = 0

    def _recv(self, n):
        b = b""
        while len(b) < n:
            chunk = self.sock.recv(n - len(b))
            if not chunk:
                raise OSError(-1, "connection closed by the broker")
            b += chunk
        return b

    def _packet(self):
        """Reads one packet: (first byte, body)."""
        first = self._recv(1)[0]
        n, shift = 0, 0
        while True:
            b = self._recv(1)[0]
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        return first, self._recv(n)

    def connect(self, clean_session=True):
        self.sock = socket.create_connection((self.server, self.port), timeout=10)
        flags = 0x02 if clean_session else 0
        body = _str(self.client_id)
        if self.user is not None:
            flags |= 0x80
            body += _str(self.user)
            if self.pswd is not None:
                flags |= 0x40
                body += _str(self.pswd)
        vh = _str("MQTT") + bytes([4, flags]) + struct.pack("!H", self.keepalive)
        self.sock.sendall(bytes([0x10]) + _remaining(len(vh) + len(body)) + vh + body)
        first, body = self._packet()
        if first != 0x20 or len(body) != 2:
            raise MQTTException("expected CONNACK, got packet 0x%02x" % first)
        if body[1] != 0:
            raise MQTTException(body[1])
        return body[0] & 1

    def disconnect(self):
        try:
            self.sock.sendall(b"\xe0\x00")
        finally:
            self.sock.close()
            self.sock = None

    def ping(self):
        self.sock.sendall(b"\xc0\x00")

    def publish(self, topic, msg, retain=False, qos=0):
        if qos not in (0, 1):
            raise MQTTException("qos %d: umqtt.simple does QoS 0 and 1" % qos)
        if isinstance(msg, str):
            msg = msg.encode()
        body = _str(topic)
        if qos:
            self.pid = self.pid % 65535 + 1
            body += struct.pack("!H", self.pid)
        body += msg
        self.sock.sendall(bytes([0x30 | qos << 1 | retain]) + _remaining(len(body)) + body)
        while qos:  # like umqtt.simple, wait for this message's PUBACK
            first, body = self._packet()
            if first == 0x40 and struct.unpack("!H", body)[0] == self.pid:
                return
