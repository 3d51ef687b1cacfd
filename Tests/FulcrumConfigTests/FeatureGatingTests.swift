import FulcrumBalancing
import FulcrumConfig
import Testing

/// Keys and values of features that are not built are refused where they are written, never ignored.
struct FeatureGatingTests {
    static let everything = """
        admin:
          listen: 127.0.0.1:9901
        services:
          web:
            listen: 0.0.0.0:80
            balance: maglev
            hash_key: source_ip
            maglev_table_size: 7
            max_connections: 10
            max_connections_per_source: 2
            allow: [10.0.0.0/8]
            deny: [10.1.0.0/16]
            proxy_protocol: v2
            accept_proxy_protocol: true
            health_check: {interval: 1s}
            backends:
              - address: 10.0.0.1:80
                max_connections: 5
          dns:
            protocol: udp
            listen: 0.0.0.0:53
            backends: []
        """

    @Test func withNoOptionalFeatureEachGatedKeyAndValueIsAnErrorAtItsPosition() {
        let result = parse(Self.everything, features: [])
        #expect(
            lines(result) == [
                "fulcrum.yaml:1:1: 'admin' is not supported yet",
                "fulcrum.yaml:6:14: service 'web': balance 'maglev' is not supported yet",
                "fulcrum.yaml:7:5: service 'web': 'hash_key' is not supported yet",
                "fulcrum.yaml:8:5: service 'web': 'maglev_table_size' is not supported yet",
                "fulcrum.yaml:9:5: service 'web': 'max_connections' is not supported yet",
                "fulcrum.yaml:10:5: service 'web': 'max_connections_per_source' is not supported yet",
                "fulcrum.yaml:11:5: service 'web': 'allow' is not supported yet",
                "fulcrum.yaml:12:5: service 'web': 'deny' is not supported yet",
                "fulcrum.yaml:13:21: service 'web': proxy_protocol 'v2' is not supported yet",
                "fulcrum.yaml:14:5: service 'web': 'accept_proxy_protocol' is not supported yet",
                "fulcrum.yaml:15:5: service 'web': 'health_check' is not supported yet",
                "fulcrum.yaml:18:9: service 'web': backend 1: 'max_connections' is not supported yet",
                "fulcrum.yaml:20:15: service 'dns': protocol 'udp' is not supported yet",
                "fulcrum.yaml:22:5: warning: service 'dns' has no backends",
            ]
        )
        #expect(result.configuration == nil)
    }

    @Test func withEveryFeatureTheSameFileIsValid() {
        let result = parse(Self.everything, features: .all)
        #expect(result.errors.isEmpty)
        #expect(result.configuration?.services.count == 2)
    }

    @Test func defaultValuesNeedNoFeature() throws {
        let result = parse(
            """
            services:
              web:
                protocol: tcp
                listen: 0.0.0.0:80
                balance: round_robin
                proxy_protocol: none
                accept_proxy_protocol: false
                backends: [{address: 10.0.0.1:80}]
            """,
            features: []
        )
        #expect(lines(result).isEmpty)
        #expect(result.configuration?.services.first?.balance == .roundRobin)
    }

    @Test(
        arguments: [
            (ConfigFeatures.udp, "protocol: udp"),
            (.healthCheck, "health_check: {}"),
            (.proxyProtocolSend, "proxy_protocol: v1"),
            (.proxyProtocolAccept, "accept_proxy_protocol: true"),
            (.limits, "max_connections: 5"),
            (.acl, "deny: [10.0.0.0/8]"),
            (.algorithms, "balance: power_of_two"),
        ]
    )
    func eachFeatureEnablesItsKey(feature: ConfigFeatures, line: String) {
        let yaml = "services:\n  web:\n    listen: 0.0.0.0:80\n    \(line)\n    backends: [{address: 10.0.0.1:80}]\n"
        #expect(parse(yaml, features: feature).errors.isEmpty)
        let others = ConfigFeatures.all.subtracting(feature)
        #expect(parse(yaml, features: others).errors.map(\.message).first?.hasSuffix("is not supported yet") == true)
    }

    @Test func adminFeature() {
        let yaml = "admin: {listen: 127.0.0.1:9901}\nservices: {}\n"
        #expect(parse(yaml, features: .admin).errors.isEmpty)
        #expect(
            parse(yaml, features: ConfigFeatures.all.subtracting(.admin)).errors.map(\.description) == [
                "fulcrum.yaml:1:1: 'admin' is not supported yet"
            ]
        )
    }
}
