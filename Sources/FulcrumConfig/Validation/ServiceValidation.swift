import FulcrumBalancing
import FulcrumNet
import Yams

extension ConfigValidator {
    /// The largest `retries`: each retry picks a backend not tried yet, and `Exclusions` remembers 16 of them; ten
    /// is already more than any pool that fails that often deserves.
    static let maximumRetries = 10
    static let maglevTableSizes = 7...5_000_011

    /// One service under `services:`. `nil` when it has any error.
    mutating func service(name: String, keyNode: Node, value: Node) -> ServiceConfig? {
        let context = "service '\(name)'"
        guard case .mapping = value else {
            self.error(
                context,
                "expected a mapping of settings with at least 'listen' and 'backends', found \(value.foundDescription)",
                at: value
            )
            return nil
        }
        let errorsBefore = self.diagnostics.errorCount
        let entries = self.sectionEntries(of: value, section: .service, context: context)

        // The protocol first: defaults and several rules depend on it.
        var transport = TransportProtocol.tcp
        if let entry = entries["protocol"],
            let parsed = self.choice(entry, [("tcp", TransportProtocol.tcp), ("udp", .udp)], context: context)
        {
            transport = parsed
        }

        var listen: [IPEndpoint] = []
        if let entry = entries["listen"] {
            listen = self.listenList(entry, transport: transport, owner: context, context: context)
        } else {
            self.error(context, "missing required key 'listen'", at: keyNode)
        }

        let (balance, hashKey) = self.balancing(entries, context: context)

        var connectTimeout = ServiceConfig.defaultConnectTimeout
        if let entry = entries["connect_timeout"] {
            connectTimeout = self.duration(entry, allowZero: false, context: context) ?? connectTimeout
            if transport == .udp {
                self.warning(context, "connect_timeout has no effect on udp services", at: entry.keyNode)
            }
        }
        var idleTimeout =
            transport == .udp ? ServiceConfig.defaultUDPIdleTimeout : ServiceConfig.defaultTCPIdleTimeout
        if let entry = entries["idle_timeout"] {
            idleTimeout = self.duration(entry, allowZero: false, context: context) ?? idleTimeout
        }
        var retries = ServiceConfig.defaultRetries
        if let entry = entries["retries"] {
            retries = self.integer(entry, in: 0...Self.maximumRetries, context: context) ?? retries
            if transport == .udp {
                self.warning(context, "retries has no effect on udp services", at: entry.keyNode)
            }
        }
        let maxConnections = entries["max_connections"].flatMap {
            self.integer($0, in: 1...Self.maximumCount, context: context)
        }
        let maxConnectionsPerSource = entries["max_connections_per_source"].flatMap {
            self.integer($0, in: 1...Self.maximumCount, context: context)
        }
        let allow = entries["allow"].flatMap { self.prefixList($0, context: context) }
        let deny = entries["deny"].flatMap { self.prefixList($0, context: context) } ?? []

        var proxyProtocol = ProxyProtocolVersion.none
        if let entry = entries["proxy_protocol"],
            let parsed = self.choice(
                entry, [("none", ProxyProtocolVersion.none), ("v1", .v1), ("v2", .v2)], context: context
            )
        {
            if transport == .udp, parsed == .v1 {
                self.error(
                    context, "proxy_protocol v1 is not available for udp services (use v2)", at: entry.value
                )
            } else {
                proxyProtocol = parsed
            }
        }
        var acceptProxyProtocol = false
        if let entry = entries["accept_proxy_protocol"], let parsed = self.bool(entry, context: context) {
            if parsed, transport == .udp {
                self.error(context, "accept_proxy_protocol is not supported on udp services", at: entry.keyNode)
            } else {
                acceptProxyProtocol = parsed
            }
        }

        let healthCheck = entries["health_check"].flatMap {
            self.healthCheck($0, transport: transport, serviceContext: context)
        }

        let discovery = entries["discovery"].flatMap { self.discovery($0, serviceContext: context) }
        var backends: [BackendConfig] = []
        if let entry = entries["backends"] {
            backends = self.backends(entry, serviceName: name, context: context)
        } else if entries["discovery"] == nil {
            self.error(context, "missing required key 'backends' (or 'discovery')", at: keyNode)
        }

        guard self.diagnostics.errorCount == errorsBefore else { return nil }
        return ServiceConfig(
            name: name, protocol: transport, listen: listen, balance: balance, hashKey: hashKey,
            connectTimeout: connectTimeout, idleTimeout: idleTimeout, retries: retries, maxConnections: maxConnections,
            maxConnectionsPerSource: maxConnectionsPerSource, allow: allow, deny: deny, proxyProtocol: proxyProtocol,
            acceptProxyProtocol: acceptProxyProtocol, healthCheck: healthCheck, backends: backends,
            discovery: discovery
        )
    }

    /// `balance`, `hash_key` and `maglev_table_size`, which only make sense together.
    private mutating func balancing(_ entries: SectionEntries, context: String) -> (BalanceAlgorithm, HashKey) {
        var balance = BalanceAlgorithm.roundRobin
        // When `balance` itself is wrong, rules that depend on it are not checked (they would only add noise).
        var balanceKnown = true
        if let entry = entries["balance"] {
            let options: [(name: String, value: BalanceAlgorithm)] = [
                ("round_robin", .roundRobin), ("least_connections", .leastConnections), ("power_of_two", .powerOfTwo),
                ("random", .random), ("source_hash", .sourceHash),
                ("maglev", .maglev(tableSize: BalanceAlgorithm.defaultMaglevTableSize)),
            ]
            if let parsed = self.choice(entry, options, context: context) {
                balance = parsed
            } else {
                balanceKnown = false
            }
        }
        if let entry = entries["maglev_table_size"] {
            if case .maglev = balance {
                if let size = self.maglevTableSize(entry, context: context) { balance = .maglev(tableSize: size) }
            } else if balanceKnown {
                self.error(
                    context,
                    "maglev_table_size is only allowed with balance maglev (this service uses \(balance.name))",
                    at: entry.keyNode
                )
            }
        }
        var hashKey = HashKey.sourceIP
        if let entry = entries["hash_key"],
            let parsed = self.choice(
                entry, [("source_ip", HashKey.sourceIP), ("source_ip_port", .sourceIPPort)], context: context
            )
        {
            hashKey = parsed
            if balanceKnown, !balance.isHashing {
                self.warning(
                    context, "hash_key has no effect with balance \(balance.name) (only source_hash and maglev hash)",
                    at: entry.keyNode
                )
            }
        }
        return (balance, hashKey)
    }

    private mutating func maglevTableSize(_ entry: MappingEntry, context: String) -> Int? {
        let expected = "maglev_table_size must be a prime number from 7 to 5000011"
        guard case .scalar(let scalar) = entry.value, let value = Self.decimal(scalar.string),
            Self.maglevTableSizes.contains(value)
        else {
            self.error(context, "\(expected), found \(entry.value.foundDescription)", at: entry.value)
            return nil
        }
        guard Self.isPrime(value) else {
            let lower = stride(from: value - 1, through: Self.maglevTableSizes.lowerBound, by: -1)
                .first(where: Self.isPrime)
            let upper = (value + 1...Self.maglevTableSizes.upperBound).first(where: Self.isPrime)
            let nearest = [lower, upper].compactMap { $0.map(String.init) }.joined(separator: " and ")
            self.error(
                context, "\(expected), found '\(value)' (not prime; the nearest primes are \(nearest))", at: entry.value
            )
            return nil
        }
        return value
    }

    static func isPrime(_ value: Int) -> Bool {
        if value < 2 { return false }
        if value % 2 == 0 { return value == 2 }
        var divisor = 3
        while divisor * divisor <= value {
            if value % divisor == 0 { return false }
            divisor += 2
        }
        return true
    }

    /// `listen`: one address or a list; IP literals only (a listener never depends on DNS).
    private mutating func listenList(
        _ entry: MappingEntry, transport: TransportProtocol, owner: String, context: String
    ) -> [IPEndpoint] {
        let items: [Node]
        switch entry.value {
        case .scalar where !entry.value.isNull:
            items = [entry.value]
        case .sequence(let sequence) where !sequence.isEmpty:
            items = Array(sequence)
        case .sequence:
            self.error(context, "listen must name at least one address, found an empty list", at: entry.value)
            return []
        case .scalar, .mapping, .alias:
            self.error(
                context, "listen must be an address or a list of addresses, found \(entry.value.foundDescription)",
                at: entry.value
            )
            return []
        }
        var result: [IPEndpoint] = []
        for item in items {
            guard let endpoint = self.listenEndpoint(item, key: "listen", context: context) else { continue }
            self.claimListen(
                ListenKey(transport: transport, endpoint: endpoint), owner: owner, context: context, at: item
            )
            result.append(endpoint)
        }
        return result
    }

    /// An `A.B.C.D:PORT` or `[IPV6]:PORT` literal.
    mutating func listenEndpoint(_ node: Node, key: String, context: String) -> IPEndpoint? {
        let expected = "\(key) must be A.B.C.D:PORT or [IPV6]:PORT"
        guard case .scalar(let scalar) = node, !node.isNull else {
            self.error(context, "\(expected), found \(node.foundDescription)", at: node)
            return nil
        }
        switch AddressText.parse(scalar.string, allowHostname: false) {
        case .success(.literal(let endpoint)):
            return endpoint
        case .success(.hostname):
            preconditionFailure("AddressText.parse returned a host name although none is allowed")
        case .failure(let failure):
            self.error(context, "\(expected), found \(node.foundDescription) (\(failure.reason))", at: node)
            return nil
        }
    }

    /// `allow` / `deny`: a list of CIDR prefixes (one string is accepted too). An empty `allow` would refuse every
    /// client, which is never what someone means, so it is an error; an empty `deny` denies nothing.
    private mutating func prefixList(_ entry: MappingEntry, context: String) -> [CIDR]? {
        let items: [Node]
        switch entry.value {
        case .scalar where !entry.value.isNull:
            items = [entry.value]
        case .sequence(let sequence):
            items = Array(sequence)
        case .scalar, .mapping, .alias:
            self.error(
                context, "\(entry.key) must be a list of CIDR prefixes, found \(entry.value.foundDescription)",
                at: entry.value
            )
            return nil
        }
        if items.isEmpty, entry.key == "allow" {
            self.error(
                context, "allow must name at least one prefix (an empty allow-list refuses every client; "
                    + "remove the key to allow all)",
                at: entry.value
            )
            return nil
        }
        var prefixes: [CIDR] = []
        var valid = true
        for item in items {
            let text = item.isNull ? nil : item.scalar?.string
            switch text.map(CIDRText.parse) {
            case .success(let prefix):
                if !prefixes.contains(prefix) { prefixes.append(prefix) }
            case .failure(.hostBitsSet(let suggestion)):
                self.error(
                    context,
                    "\(entry.key) entry \(item.foundDescription) has host bits set (did you mean '\(suggestion)'?)",
                    at: item
                )
                valid = false
            case .failure(.malformed), nil:
                self.error(
                    context,
                    "\(entry.key) entries must be CIDR prefixes such as 10.0.0.0/8 or 2001:db8::/32, found "
                        + item.foundDescription,
                    at: item
                )
                valid = false
            }
        }
        return valid ? prefixes : nil
    }
}
