import FulcrumConfig
import Testing

/// SPEC §7: a bad value at the value, an unknown key at the key, a missing key where the mapping that lacks it starts
/// (the line of `web:` for a service); every error at once, sorted by position.
struct PositionAndOrderTests {
    @Test func missingKeysAreReportedWhereTheirMappingStarts() {
        let result = parse(
            """
            # a comment first, so the document starts on line 3

            admin:
              token_file: /dev/null
            services:
              web:
                health_check:
                  expect: "x"
                backends:
                  - weight: 2
              dns:
                protocol: udp
                listen: 0.0.0.0:53
                health_check:
                  expect: "x"
                backends: []
            """
        )
        #expect(
            lines(result) == [
                "fulcrum.yaml:3:1: admin: missing required key 'listen'",
                "fulcrum.yaml:4:15: admin: token_file '/dev/null' is empty",
                "fulcrum.yaml:6:3: service 'web': missing required key 'listen'",
                "fulcrum.yaml:10:9: service 'web': backend 1: missing required key 'address'",
                "fulcrum.yaml:14:5: service 'dns': health_check: missing required key 'send' "
                    + "(a udp check needs a datagram to send)",
                "fulcrum.yaml:16:5: warning: service 'dns' has no backends",
            ]
        )
    }

    @Test func aDocumentWithoutServicesIsReportedWhereItStarts() {
        #expect(
            lines(parse("\n\n  shutdown_grace: 1s\n")) == ["fulcrum.yaml:3:3: missing required key 'services'"]
        )
    }

    @Test func everyErrorIsReportedAtOnceInFileOrder() {
        // `services` comes before `admin` and `shutdown_grace` in the file although they are checked first.
        let result = parse(
            """
            services:
              web:
                listen: 0.0.0.0:80
                retries: many
                backends:
                  - address: 10.0.0.1:80
                    weight: -1
              api:
                listen: 0.0.0.0:81
                balance: fastest
                backends: [{address: nowhere.invalid:80}]
            admin:
              listen: 127.0.0.1
            shutdown_grace: soon
            """
        )
        #expect(
            lines(result) == [
                "fulcrum.yaml:4:14: service 'web': retries must be an integer from 0 to 10, found 'many'",
                "fulcrum.yaml:7:17: service 'web': backend 1: weight must be an integer from 0 to 10000, found '-1'",
                "fulcrum.yaml:10:14: service 'api': balance must be round_robin, least_connections, power_of_two, "
                    + "random, source_hash or maglev, found 'fastest'",
                "fulcrum.yaml:11:26: service 'api': backend 1: cannot resolve host 'nowhere.invalid': no such host",
                "fulcrum.yaml:13:11: admin: listen must be A.B.C.D:PORT or [IPV6]:PORT, found '127.0.0.1' "
                    + "(missing ':PORT')",
                "fulcrum.yaml:14:17: shutdown_grace must be a whole number with a unit (ms, s, m or h) such as 250ms "
                    + "or 5s, found 'soon'",
            ]
        )
        #expect(result.configuration == nil)
        #expect(result.errors.count == 6)
        #expect(result.warnings.isEmpty)
    }

    @Test func aValidServiceNextToAnInvalidOneStillFailsTheFile() {
        let result = parse(
            """
            services:
              good: {listen: 0.0.0.0:80, backends: [{address: 10.0.0.1:80}]}
              bad: {listen: 0.0.0.0:81, backends: [{address: 10.0.0.1}]}
            """
        )
        #expect(result.configuration == nil)
        #expect(result.errors.count == 1)
    }

    @Test func columnsCountCharactersNotBytes() {
        // "é" is two bytes in UTF-8 but one column.
        let result = parse("services:\n  web:\n    listen: 0.0.0.0:80 # é\n    backends: [{address: é:80}]\n")
        #expect(
            lines(result) == [
                "fulcrum.yaml:4:26: service 'web': backend 1: address must be A.B.C.D:PORT, [IPV6]:PORT or "
                    + "HOST:PORT, found 'é:80' ('é' is not a valid host name)"
            ]
        )
    }

    @Test func diagnosticLinesFollowTheSpecFormat() {
        let error = ConfigDiagnostic(path: "conf/f.yaml", line: 3, column: 7, message: "bad", severity: .error)
        let warning = ConfigDiagnostic(path: "./f.yaml", line: 1, column: 1, message: "odd", severity: .warning)
        #expect(error.description == "conf/f.yaml:3:7: bad")
        #expect(warning.description == "./f.yaml:1:1: warning: odd")
    }

    @Test func thePathIsUsedExactlyAsGiven() {
        let result = ConfigLoader(resolver: FakeResolver()).parse(yaml: "services: []\n", path: "../x/./f.yaml")
        #expect(
            result.errors.map(\.description) == [
                "../x/./f.yaml:1:11: services must be a mapping from service name to settings, found a list"
            ]
        )
    }
}
