import FulcrumConfig
import Testing

/// Every message the loader can produce, each asserted verbatim with its position: a small file and the exact lines
/// `fulcrum validate` prints for it.
struct ConfigErrorCatalogueTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var yaml: String
        var expected: [String]
        var testDescription: String { self.name }
    }

    static let cases: [Case] = [
        // MARK: Document and top level
        Case(
            name: "empty file", yaml: "",
            expected: ["fulcrum.yaml:1:1: the configuration is empty (expected a mapping with at least 'services')"]
        ),
        Case(
            name: "comments only", yaml: "# nothing here\n",
            expected: ["fulcrum.yaml:1:1: the configuration is empty (expected a mapping with at least 'services')"]
        ),
        Case(
            name: "root is a list", yaml: "- web\n",
            expected: [
                "fulcrum.yaml:1:1: the configuration must be a mapping with at least 'services', found a list"
            ]
        ),
        Case(
            name: "root is a scalar", yaml: "hello\n",
            expected: [
                "fulcrum.yaml:1:1: the configuration must be a mapping with at least 'services', found 'hello'"
            ]
        ),
        Case(
            name: "missing services", yaml: "shutdown_grace: 10s\n",
            expected: ["fulcrum.yaml:1:1: missing required key 'services'"]
        ),
        Case(
            name: "unknown top-level key with suggestion", yaml: "service:\n  web: {}\n",
            expected: [
                "fulcrum.yaml:1:1: unknown key 'service' (did you mean 'services'?)",
                "fulcrum.yaml:1:1: missing required key 'services'",
            ]
        ),
        Case(
            name: "unknown top-level key without suggestion", yaml: "services: {}\nlisteners: []\n",
            expected: [
                "fulcrum.yaml:1:1: warning: no services are defined",
                "fulcrum.yaml:2:1: unknown key 'listeners' (expected one of: admin, shutdown_grace, state_dir, services)",
            ]
        ),
        Case(
            name: "services is empty", yaml: "services:\n",
            expected: [
                "fulcrum.yaml:1:10: services must be a mapping from service name to settings, found an empty value"
            ]
        ),
        Case(
            name: "services is a list", yaml: "services:\n  - web\n",
            expected: ["fulcrum.yaml:2:3: services must be a mapping from service name to settings, found a list"]
        ),
        Case(
            name: "shutdown_grace without unit", yaml: "shutdown_grace: 30\nservices: {}\n",
            expected: [
                "fulcrum.yaml:1:17: shutdown_grace must be a whole number with a unit (ms, s, m or h) such as 250ms "
                    + "or 5s, found '30' (add a unit, e.g. '30s')",
                "fulcrum.yaml:2:1: warning: no services are defined",
            ]
        ),
        Case(
            name: "invalid service name", yaml: "services:\n  my web:\n    listen: 0.0.0.0:80\n    backends: []\n",
            expected: [
                "fulcrum.yaml:2:3: service name 'my web' is invalid (use only letters, digits, '_', '.' and '-')"
            ]
        ),

        // MARK: Service shape and required keys
        Case(
            name: "service without settings", yaml: "services:\n  web:\n",
            expected: [
                "fulcrum.yaml:2:7: service 'web': expected a mapping of settings with at least 'listen' and "
                    + "'backends', found an empty value"
            ]
        ),
        Case(
            name: "service missing listen and backends (reported at the service key)",
            yaml: "services:\n  web:\n    balance: random\n",
            expected: [
                "fulcrum.yaml:2:3: service 'web': missing required key 'listen'",
                "fulcrum.yaml:2:3: service 'web': missing required key 'backends' (or 'discovery')",
            ]
        ),
        Case(
            name: "service in flow style missing backends",
            yaml: "services:\n  web: {listen: 0.0.0.0:80}\n",
            expected: ["fulcrum.yaml:2:3: service 'web': missing required key 'backends' (or 'discovery')"]
        ),
        Case(
            name: "unknown service key with suggestion",
            yaml: """
                services:
                  web:
                    listen: 0.0.0.0:80
                    conect_timeout: 3s
                    backends: []
                """,
            expected: [
                "fulcrum.yaml:4:5: service 'web': unknown key 'conect_timeout' (did you mean 'connect_timeout'?)",
                "fulcrum.yaml:5:5: warning: service 'web' has no backends",
            ]
        ),
        Case(
            name: "unknown service key, transposed letters",
            yaml: "services:\n  web:\n    lsiten: 0.0.0.0:80\n    backends: []\n",
            expected: [
                "fulcrum.yaml:2:3: service 'web': missing required key 'listen'",
                "fulcrum.yaml:3:5: service 'web': unknown key 'lsiten' (did you mean 'listen'?)",
                "fulcrum.yaml:4:5: warning: service 'web' has no backends",
            ]
        ),

        // MARK: listen
        Case(
            name: "listen without port",
            yaml: "services:\n  web:\n    listen: 0.0.0.0\n    backends: []\n",
            expected: [
                "fulcrum.yaml:3:13: service 'web': listen must be A.B.C.D:PORT or [IPV6]:PORT, found '0.0.0.0' "
                    + "(missing ':PORT')",
                "fulcrum.yaml:4:5: warning: service 'web' has no backends",
            ]
        ),
        Case(
            name: "listen host name, bare IPv6, port out of range",
            yaml: """
                services:
                  web:
                    listen: ["localhost:80", "::1", "[::1]:70000", "[::1]"]
                    backends: []
                """,
            expected: [
                "fulcrum.yaml:3:14: service 'web': listen must be A.B.C.D:PORT or [IPV6]:PORT, found 'localhost:80' "
                    + "(a host name is not allowed here, only an IP address)",
                "fulcrum.yaml:3:30: service 'web': listen must be A.B.C.D:PORT or [IPV6]:PORT, found '::1' "
                    + "(an IPv6 address needs brackets and a port, e.g. '[::1]:80')",
                "fulcrum.yaml:3:37: service 'web': listen must be A.B.C.D:PORT or [IPV6]:PORT, found '[::1]:70000' "
                    + "(the port must be 1 to 65535)",
                "fulcrum.yaml:3:52: service 'web': listen must be A.B.C.D:PORT or [IPV6]:PORT, found '[::1]' "
                    + "(missing ':PORT' after ']')",
                "fulcrum.yaml:4:5: warning: service 'web' has no backends",
            ]
        ),
        Case(
            name: "listen port 0 and a bad IPv4 literal",
            yaml: "services:\n  web:\n    listen: [1.2.3.4:0, 1.2.3.256:80]\n    backends: []\n",
            expected: [
                "fulcrum.yaml:3:14: service 'web': listen must be A.B.C.D:PORT or [IPV6]:PORT, found '1.2.3.4:0' "
                    + "(the port must be 1 to 65535)",
                "fulcrum.yaml:3:25: service 'web': listen must be A.B.C.D:PORT or [IPV6]:PORT, found '1.2.3.256:80' "
                    + "('1.2.3.256' is not a valid IPv4 address)",
                "fulcrum.yaml:4:5: warning: service 'web' has no backends",
            ]
        ),
        Case(
            name: "listen empty list and mapping",
            yaml: """
                services:
                  a:
                    listen: []
                    backends: []
                  b:
                    listen: {port: 80}
                    backends: []
                """,
            expected: [
                "fulcrum.yaml:3:13: service 'a': listen must name at least one address, found an empty list",
                "fulcrum.yaml:4:5: warning: service 'a' has no backends",
                "fulcrum.yaml:6:13: service 'b': listen must be an address or a list of addresses, found a mapping",
                "fulcrum.yaml:7:5: warning: service 'b' has no backends",
            ]
        ),
        Case(
            name: "listen duplicates within and across services",
            yaml: """
                services:
                  a:
                    listen: [0.0.0.0:80, 0.0.0.0:80]
                    backends: []
                  b:
                    listen: 0.0.0.0:80
                    backends: []
                """,
            expected: [
                "fulcrum.yaml:3:26: service 'a': listen '0.0.0.0:80' is listed twice",
                "fulcrum.yaml:4:5: warning: service 'a' has no backends",
                "fulcrum.yaml:6:13: service 'b': listen '0.0.0.0:80' is already used by service 'a'",
                "fulcrum.yaml:7:5: warning: service 'b' has no backends",
            ]
        ),

        // MARK: Durations
        Case(
            name: "durations: fraction, bare number, zero, unknown unit, too long, list",
            yaml: """
                services:
                  web:
                    listen: 0.0.0.0:80
                    connect_timeout: 1.5s
                    idle_timeout: 5
                    health_check:
                      interval: 0s
                      timeout: 2d
                    backends: []
                  api:
                    listen: 0.0.0.0:81
                    connect_timeout: 9000h
                    idle_timeout: [5m]
                    backends: []
                """,
            expected: [
                "fulcrum.yaml:4:22: service 'web': connect_timeout must be a whole number with a unit (ms, s, m or h) "
                    + "such as 250ms or 5s, found '1.5s' (fractions are not allowed; write '1500ms')",
                "fulcrum.yaml:5:19: service 'web': idle_timeout must be a whole number with a unit (ms, s, m or h) "
                    + "such as 250ms or 5s, found '5' (add a unit, e.g. '5s')",
                "fulcrum.yaml:7:17: service 'web': health_check: interval must be greater than 0, found '0s'",
                "fulcrum.yaml:8:16: service 'web': health_check: timeout must be a whole number with a unit "
                    + "(ms, s, m or h) such as 250ms or 5s, found '2d'",
                "fulcrum.yaml:9:5: warning: service 'web' has no backends",
                "fulcrum.yaml:12:22: service 'api': connect_timeout must be at most 8760h, found '9000h'",
                "fulcrum.yaml:13:19: service 'api': idle_timeout must be a whole number with a unit (ms, s, m or h) "
                    + "such as 250ms or 5s, found a list",
                "fulcrum.yaml:14:5: warning: service 'api' has no backends",
            ]
        ),

        // MARK: Choices and numbers
        Case(
            name: "enumerations with and without suggestions",
            yaml: """
                services:
                  web:
                    protocol: TCP
                    listen: 0.0.0.0:80
                    balance: least_connection
                    proxy_protocol: v3
                    hash_key: client
                    backends: []
                """,
            expected: [
                "fulcrum.yaml:3:15: service 'web': protocol must be tcp or udp, found 'TCP' (did you mean 'tcp'?)",
                "fulcrum.yaml:5:14: service 'web': balance must be round_robin, least_connections, power_of_two, "
                    + "random, source_hash or maglev, found 'least_connection' (did you mean 'least_connections'?)",
                "fulcrum.yaml:6:21: service 'web': proxy_protocol must be none, v1 or v2, found 'v3' "
                    + "(did you mean 'v1'?)",
                "fulcrum.yaml:7:15: service 'web': hash_key must be source_ip or source_ip_port, found 'client'",
                "fulcrum.yaml:8:5: warning: service 'web' has no backends",
            ]
        ),
        Case(
            name: "integers out of range or not integers",
            yaml: """
                services:
                  web:
                    listen: 0.0.0.0:80
                    retries: 11
                    max_connections: 0
                    max_connections_per_source: 99999999999
                    accept_proxy_protocol: yes
                    backends:
                      - address: 10.0.0.1:80
                        weight: 10001
                        max_connections: -1
                      - address: 10.0.0.2:80
                        weight: 1.5
                """,
            expected: [
                "fulcrum.yaml:4:14: service 'web': retries must be an integer from 0 to 10, found '11'",
                "fulcrum.yaml:5:22: service 'web': max_connections must be a positive integer, found '0'",
                "fulcrum.yaml:6:33: service 'web': max_connections_per_source must be at most 2147483647, "
                    + "found '99999999999'",
                "fulcrum.yaml:7:28: service 'web': accept_proxy_protocol must be true or false, found 'yes'",
                "fulcrum.yaml:10:17: service 'web': backend 1: weight must be an integer from 0 to 10000, "
                    + "found '10001'",
                "fulcrum.yaml:11:26: service 'web': backend 1: max_connections must be a positive integer, found '-1'",
                "fulcrum.yaml:13:17: service 'web': backend 2: weight must be an integer from 0 to 10000, found '1.5'",
            ]
        ),

        // MARK: Balancing rules
        Case(
            name: "maglev_table_size: not prime, too small, on a non-maglev service",
            yaml: """
                services:
                  a:
                    listen: 0.0.0.0:80
                    balance: maglev
                    maglev_table_size: 65536
                    backends: []
                  b:
                    listen: 0.0.0.0:81
                    balance: maglev
                    maglev_table_size: 5
                    backends: []
                  c:
                    listen: 0.0.0.0:82
                    maglev_table_size: 65537
                    backends: []
                """,
            expected: [
                "fulcrum.yaml:5:24: service 'a': maglev_table_size must be a prime number from 7 to 5000011, "
                    + "found '65536' (not prime; the nearest primes are 65521 and 65537)",
                "fulcrum.yaml:6:5: warning: service 'a' has no backends",
                "fulcrum.yaml:10:24: service 'b': maglev_table_size must be a prime number from 7 to 5000011, "
                    + "found '5'",
                "fulcrum.yaml:11:5: warning: service 'b' has no backends",
                "fulcrum.yaml:14:5: service 'c': maglev_table_size is only allowed with balance maglev "
                    + "(this service uses round_robin)",
                "fulcrum.yaml:15:5: warning: service 'c' has no backends",
            ]
        ),
        Case(
            name: "hash_key on a service that does not hash is a warning",
            yaml: """
                services:
                  web:
                    listen: 0.0.0.0:80
                    balance: least_connections
                    hash_key: source_ip_port
                    backends: [{address: 10.0.0.1:80}]
                """,
            expected: [
                "fulcrum.yaml:5:5: warning: service 'web': hash_key has no effect with balance least_connections "
                    + "(only source_hash and maglev hash)"
            ]
        ),

        // MARK: ACLs
        Case(
            name: "allow and deny entries",
            yaml: """
                services:
                  web:
                    listen: 0.0.0.0:80
                    allow: ["10.0.0.1/8", "2001:db8::1/32", "10.0.0.0/33", {a: 1}]
                    deny: "nonsense"
                    backends: []
                  api:
                    listen: 0.0.0.0:81
                    allow: []
                    deny: {a: 1}
                    backends: []
                """,
            expected: [
                "fulcrum.yaml:4:13: service 'web': allow entry '10.0.0.1/8' has host bits set "
                    + "(did you mean '10.0.0.0/8'?)",
                "fulcrum.yaml:4:27: service 'web': allow entry '2001:db8::1/32' has host bits set "
                    + "(did you mean '2001:db8::/32'?)",
                "fulcrum.yaml:4:45: service 'web': allow entries must be CIDR prefixes such as 10.0.0.0/8 or "
                    + "2001:db8::/32, found '10.0.0.0/33'",
                "fulcrum.yaml:4:60: service 'web': allow entries must be CIDR prefixes such as 10.0.0.0/8 or "
                    + "2001:db8::/32, found a mapping",
                "fulcrum.yaml:5:11: service 'web': deny entries must be CIDR prefixes such as 10.0.0.0/8 or "
                    + "2001:db8::/32, found 'nonsense'",
                "fulcrum.yaml:6:5: warning: service 'web' has no backends",
                "fulcrum.yaml:9:12: service 'api': allow must name at least one prefix (an empty allow-list refuses "
                    + "every client; remove the key to allow all)",
                "fulcrum.yaml:10:11: service 'api': deny must be a list of CIDR prefixes, found a mapping",
                "fulcrum.yaml:11:5: warning: service 'api' has no backends",
            ]
        ),

        // MARK: UDP rules
        Case(
            name: "udp: proxy_protocol v1, accept_proxy_protocol true, health check without send",
            yaml: """
                services:
                  dns:
                    protocol: udp
                    listen: 0.0.0.0:53
                    proxy_protocol: v1
                    accept_proxy_protocol: true
                    health_check:
                      expect: "ok"
                    backends: [{address: 10.0.0.1:53}]
                """,
            expected: [
                "fulcrum.yaml:5:21: service 'dns': proxy_protocol v1 is not available for udp services (use v2)",
                "fulcrum.yaml:6:5: service 'dns': accept_proxy_protocol is not supported on udp services",
                "fulcrum.yaml:7:5: service 'dns': health_check: missing required key 'send' "
                    + "(a udp check needs a datagram to send)",
            ]
        ),
        Case(
            name: "udp: tcp-only settings are warnings",
            yaml: """
                services:
                  dns:
                    protocol: udp
                    listen: 0.0.0.0:53
                    connect_timeout: 1s
                    retries: 1
                    accept_proxy_protocol: false
                    proxy_protocol: v2
                    backends: [{address: 10.0.0.1:53}]
                """,
            expected: [
                "fulcrum.yaml:5:5: warning: service 'dns': connect_timeout has no effect on udp services",
                "fulcrum.yaml:6:5: warning: service 'dns': retries has no effect on udp services",
            ]
        ),

        // MARK: Health checks
        Case(
            name: "health check values",
            yaml: """
                services:
                  web:
                    listen: 0.0.0.0:80
                    health_check:
                      interval: 1s
                      timeout: 2s
                      rise: 0
                      fall: 101
                      port: 0
                      send: ""
                      expect: [a]
                      path: /healthz
                    backends: []
                """,
            expected: [
                "fulcrum.yaml:7:13: service 'web': health_check: rise must be an integer from 1 to 100, found '0'",
                "fulcrum.yaml:8:13: service 'web': health_check: fall must be an integer from 1 to 100, found '101'",
                "fulcrum.yaml:9:13: service 'web': health_check: port must be an integer from 1 to 65535, found '0'",
                "fulcrum.yaml:10:13: service 'web': health_check: send must not be empty",
                "fulcrum.yaml:11:15: service 'web': health_check: expect must be a string (or !!binary base64), "
                    + "found a list",
                "fulcrum.yaml:12:7: service 'web': health_check: unknown key 'path' "
                    + "(expected one of: interval, timeout, rise, fall, port, send, expect)",
                "fulcrum.yaml:13:5: warning: service 'web' has no backends",
            ]
        ),
        Case(
            name: "health_check as a list",
            yaml: "services:\n  web:\n    listen: 0.0.0.0:80\n    health_check: [interval]\n    backends: []\n",
            expected: [
                "fulcrum.yaml:4:19: service 'web': health_check must be a mapping, found a list",
                "fulcrum.yaml:5:5: warning: service 'web' has no backends",
            ]
        ),

        // MARK: Backends
        Case(
            name: "backends of the wrong shape",
            yaml: """
                services:
                  a:
                    listen: 0.0.0.0:80
                    backends: 10.0.0.1:80
                  b:
                    listen: 0.0.0.0:81
                    backends:
                      - 10.0.0.1:80
                      - weight: 2
                      - address: [10.0.0.1:80]
                      - address: 10.0.0.2:80
                        wieght: 2
                """,
            expected: [
                "fulcrum.yaml:4:15: service 'a': backends must be a list of backends, each with an 'address', "
                    + "found '10.0.0.1:80'",
                "fulcrum.yaml:8:9: service 'b': backend 1 must be a mapping such as '- address: 10.0.0.1:80', "
                    + "found '10.0.0.1:80'",
                "fulcrum.yaml:9:9: service 'b': backend 2: missing required key 'address'",
                "fulcrum.yaml:10:18: service 'b': backend 3: address must be A.B.C.D:PORT, [IPV6]:PORT or HOST:PORT, "
                    + "found a list",
                "fulcrum.yaml:12:9: service 'b': backend 4: unknown key 'wieght' (did you mean 'weight'?)",
            ]
        ),
        Case(
            name: "backend addresses",
            yaml: """
                services:
                  web:
                    listen: 0.0.0.0:80
                    backends:
                      - address: 999.1.1.1:80
                      - address: 10.0.0.1
                      - address: "[fe80::zz]:80"
                      - address: bad_host-:80
                      - address: unknown.example:80
                      - address: 10.0.0.7:80
                      - address: "10.0.0.7:80"
                      - address: "[::1]:80"
                      - address: "[0::1]:80"
                      - address: DB.internal:80
                      - address: db.internal:80
                """,
            expected: [
                "fulcrum.yaml:5:18: service 'web': backend 1: address must be A.B.C.D:PORT, [IPV6]:PORT or "
                    + "HOST:PORT, found '999.1.1.1:80' ('999.1.1.1' is not a valid IPv4 address)",
                "fulcrum.yaml:6:18: service 'web': backend 2: address must be A.B.C.D:PORT, [IPV6]:PORT or "
                    + "HOST:PORT, found '10.0.0.1' (missing ':PORT')",
                "fulcrum.yaml:7:18: service 'web': backend 3: address must be A.B.C.D:PORT, [IPV6]:PORT or "
                    + "HOST:PORT, found '[fe80::zz]:80' ('fe80::zz' is not a valid IPv6 address)",
                "fulcrum.yaml:8:18: service 'web': backend 4: address must be A.B.C.D:PORT, [IPV6]:PORT or "
                    + "HOST:PORT, found 'bad_host-:80' ('bad_host-' is not a valid host name)",
                "fulcrum.yaml:9:18: service 'web': backend 5: cannot resolve host 'unknown.example': no such host",
                "fulcrum.yaml:11:18: service 'web': backend 7: duplicate address '10.0.0.7:80' (same as backend 6)",
                "fulcrum.yaml:13:18: service 'web': backend 9: duplicate address '[0::1]:80' (same as backend 8)",
                "fulcrum.yaml:15:18: service 'web': backend 11: duplicate address 'db.internal:80' "
                    + "(same as backend 10)",
            ]
        ),
        Case(
            name: "empty backends is a warning at the backends key",
            yaml: "services:\n  web:\n    listen: 0.0.0.0:80\n    backends: []\n",
            expected: ["fulcrum.yaml:4:5: warning: service 'web' has no backends"]
        ),

        // MARK: Admin
        Case(
            name: "admin without listen, with a shortened key",
            yaml: """
                admin:
                  token: secret
                services: {}
                """,
            expected: [
                "fulcrum.yaml:1:1: admin: missing required key 'listen'",
                "fulcrum.yaml:2:3: admin: unknown key 'token' (did you mean 'token_file'?)",
                "fulcrum.yaml:3:1: warning: no services are defined",
            ]
        ),
        Case(
            name: "two YAML documents",
            yaml: """
                admin:
                  listen: localhost:9901
                services:
                  web:
                    listen: 127.0.0.1:9901
                    backends: []
                ---
                """,
            expected: [
                "fulcrum.yaml:7:1: invalid YAML: but found another document (expected a single document in the "
                    + "stream at line 1, column 1)"
            ]
        ),
        Case(
            name: "admin listen clashes with a tcp service, not with a udp one",
            yaml: """
                admin:
                  listen: 127.0.0.1:9901
                  token_file: ""
                services:
                  web:
                    listen: 127.0.0.1:9901
                    backends: []
                  dns:
                    protocol: udp
                    listen: 127.0.0.1:9901
                    backends: []
                """,
            expected: [
                "fulcrum.yaml:3:15: admin: token_file must be a file path, found ''",
                "fulcrum.yaml:6:13: service 'web': listen '127.0.0.1:9901' is already used by the admin server",
                "fulcrum.yaml:7:5: warning: service 'web' has no backends",
                "fulcrum.yaml:11:5: warning: service 'dns' has no backends",
            ]
        ),
        Case(
            name: "admin is not a mapping",
            yaml: "admin: 127.0.0.1:9901\nservices: {}\n",
            expected: [
                "fulcrum.yaml:1:8: admin: expected a mapping with 'listen' (and optionally 'token_file'), "
                    + "found '127.0.0.1:9901'",
                "fulcrum.yaml:2:1: warning: no services are defined",
            ]
        ),

        // MARK: YAML itself
        Case(
            name: "YAML syntax error",
            yaml: "services:\n  web: [1\n",
            expected: [
                "fulcrum.yaml:3:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at "
                    + "line 2, column 8)"
            ]
        ),
        Case(
            name: "YAML: mapping values in a plain scalar",
            yaml: "services:\n  web: a: b\n",
            expected: ["fulcrum.yaml:2:9: invalid YAML: mapping values are not allowed in this context"]
        ),
        Case(
            name: "YAML: a tab used for indentation",
            yaml: "services:\n\tweb: {}\n",
            expected: [
                "fulcrum.yaml:2:1: invalid YAML: found character that cannot start any token (while scanning for the "
                    + "next token at line 2, column 1); YAML does not allow tabs for indentation, use spaces"
            ]
        ),
        Case(
            name: "YAML: a control character",
            yaml: "services:\n  web: \u{1}\n",
            expected: ["fulcrum.yaml:2:8: invalid YAML: control characters are not allowed"]
        ),
        Case(
            name: "YAML: a key indented wrongly",
            yaml: "services:\n  web:\n    listen: 0.0.0.0:80\n   backends: []\n",
            expected: [
                "fulcrum.yaml:4:4: invalid YAML: did not find expected key (while parsing a block mapping at line 2, "
                    + "column 3)"
            ]
        ),
        Case(
            name: "YAML: an undefined alias",
            yaml: "services: *nothing\n",
            expected: ["fulcrum.yaml:1:11: invalid YAML: found undefined alias"]
        ),
        Case(
            name: "duplicate key reported at the repetition",
            yaml: """
                services:
                  web:
                    listen: 0.0.0.0:80
                    backends: []
                    listen: 0.0.0.0:81
                """,
            expected: ["fulcrum.yaml:5:5: duplicate key 'listen' (first at line 3)"]
        ),
        Case(
            name: "duplicate key in a backend list item",
            yaml: """
                services:
                  web:
                    listen: 0.0.0.0:80
                    backends:
                      - address: 10.0.0.1:80
                        address: 10.0.0.2:80
                """,
            expected: ["fulcrum.yaml:6:9: duplicate key 'address' (first at line 5)"]
        ),
        Case(
            name: "duplicate key in a flow mapping is reported at the first occurrence",
            yaml: "services:\n  web: {listen: 0.0.0.0:80, listen: 0.0.0.0:81}\n",
            expected: ["fulcrum.yaml:2:9: duplicate key 'listen' in this mapping"]
        ),
        Case(
            name: "duplicate service names",
            yaml: "services:\n  web: {}\n  # the same again\n  web: {}\n",
            expected: ["fulcrum.yaml:4:3: duplicate key 'web' (first at line 2)"]
        ),
        Case(
            name: "a merge key with a scalar",
            yaml: "services:\n  web:\n    <<: 5\n    listen: 0.0.0.0:80\n    backends: []\n",
            expected: [
                "fulcrum.yaml:3:9: service 'web': '<<' must merge a mapping or a list of mappings, found '5'",
                "fulcrum.yaml:5:5: warning: service 'web' has no backends",
            ]
        ),
    ]

    @Test(arguments: Self.cases)
    func diagnostics(_ testCase: Case) {
        let result = parse(testCase.yaml)
        #expect(lines(result) == testCase.expected)
        let hasErrors = testCase.expected.contains { !$0.contains(": warning: ") }
        #expect((result.configuration == nil) == hasErrors)
    }
}
