import FulcrumNet
import Yams

extension ConfigValidator {
    /// A service's `discovery:` (SPEC §8.1): exactly one of `dns` and `etcd`, plus the mass-removal guard.
    mutating func discovery(_ section: MappingEntry, serviceContext: String) -> DiscoveryConfig? {
        let context = "\(serviceContext): discovery"
        guard case .mapping = section.value else {
            self.error(
                context, "expected a mapping with 'dns' or 'etcd', found \(section.value.foundDescription)",
                at: section.value
            )
            return nil
        }
        let errorsBefore = self.diagnostics.errorCount
        let entries = self.sectionEntries(of: section.value, section: .discovery, context: context)

        var source: DiscoveryConfig.Source?
        switch (entries["dns"], entries["etcd"]) {
        case (.some(let dns), .some(let etcd)):
            let later = dns.keyNode.position.line > etcd.keyNode.position.line ? dns : etcd
            self.error(
                context, "give one of 'dns' and 'etcd', not both (a service follows one registry)", at: later.keyNode
            )
        case (.some(let dns), nil):
            source = self.dnsDiscovery(dns, context: "\(context): dns").map(DiscoveryConfig.Source.dns)
        case (nil, .some(let etcd)):
            source = self.etcdDiscovery(etcd, context: "\(context): etcd").map(DiscoveryConfig.Source.etcd)
        case (nil, nil):
            self.error(context, "missing required key 'dns' or 'etcd'", at: section.keyNode)
        }
        var maxDrop = DiscoveryConfig.defaultMaxDrop
        if let entry = entries["max_drop"] {
            maxDrop = self.percentage(entry, context: context) ?? maxDrop
        }
        var holdDrop = DiscoveryConfig.defaultHoldDrop
        if let entry = entries["hold_drop"] {
            holdDrop = self.duration(entry, allowZero: true, context: context) ?? holdDrop
        }
        guard self.diagnostics.errorCount == errorsBefore, let source else { return nil }
        return DiscoveryConfig(source: source, maxDrop: maxDrop, holdDrop: holdDrop)
    }

    /// `dns:` — `name` + `port`, or `srv`.
    private mutating func dnsDiscovery(_ section: MappingEntry, context: String) -> DNSDiscoveryConfig? {
        guard case .mapping = section.value else {
            self.error(
                context, "expected a mapping with 'name' and 'port', or 'srv', found \(section.value.foundDescription)",
                at: section.value
            )
            return nil
        }
        let entries = self.sectionEntries(of: section.value, section: .discoveryDNS, context: context)
        var query: DNSDiscoveryConfig.Query?
        let name = entries["name"].flatMap { self.dnsName($0, context: context) }
        let srv = entries["srv"].flatMap { self.dnsName($0, context: context) }
        let port = entries["port"].flatMap { self.integer($0, in: 1...65535, context: context) }
        switch (entries["name"], entries["srv"]) {
        case (.some(let nameEntry), .some(let srvEntry)):
            let later = nameEntry.keyNode.position.line > srvEntry.keyNode.position.line ? nameEntry : srvEntry
            self.error(
                context, "give 'name' (with 'port') or 'srv', not both (SRV records carry their own ports)",
                at: later.keyNode
            )
        case (.some, nil):
            if entries["port"] == nil {
                self.error(context, "missing required key 'port' (A and AAAA records carry no port)", at: section.keyNode)
            } else if let name, let port {
                query = .addresses(name: name, port: UInt16(port))
            }
        case (nil, .some):
            if let portEntry = entries["port"] {
                self.error(context, "port has no effect with srv (SRV records carry their own ports)", at: portEntry.keyNode)
            } else if let srv {
                query = .service(name: srv)
            }
        case (nil, nil):
            self.error(context, "missing required key 'name' (with 'port') or 'srv'", at: section.keyNode)
        }
        var resolvers: [IPEndpoint] = []
        if let entry = entries["resolvers"] {
            resolvers = self.resolverList(entry, context: context) ?? []
        }
        var interval: Duration?
        if let entry = entries["interval"], let parsed = self.duration(entry, allowZero: false, context: context) {
            if parsed < DNSDiscoveryConfig.minimumInterval {
                self.error(
                    context,
                    "interval must be at least \(DurationText.format(DNSDiscoveryConfig.minimumInterval)) "
                        + "(a registry is not asked more than once a second), found \(entry.value.foundDescription)",
                    at: entry.value
                )
            } else {
                interval = parsed
            }
        }
        let holdEmpty = entries["hold_empty"].flatMap { self.duration($0, allowZero: true, context: context) }
        guard let query else { return nil }
        return DNSDiscoveryConfig(query: query, resolvers: resolvers, interval: interval, holdEmpty: holdEmpty)
    }

    /// A DNS name as `name`/`srv` takes it: RFC 1123 labels plus `_` (SRV names such as `_pg._tcp.db.internal`).
    private mutating func dnsName(_ entry: MappingEntry, context: String) -> String? {
        guard let text = self.string(entry, context: context) else { return nil }
        guard AddressText.isValidHostname(Substring(text)) else {
            self.error(
                context,
                "\(entry.key) must be a DNS name such as db.internal, found \(entry.value.foundDescription)",
                at: entry.value
            )
            return nil
        }
        return text
    }

    /// `resolvers:` — IP literals, with a port or without (53).
    private mutating func resolverList(_ entry: MappingEntry, context: String) -> [IPEndpoint]? {
        guard let items = self.stringItems(entry, what: "addresses", context: context) else { return nil }
        var resolvers: [IPEndpoint] = []
        var valid = true
        for item in items {
            guard let text = item.isNull ? nil : item.scalar?.string,
                let resolver = IPEndpoint(text, defaultPort: DNSDiscoveryConfig.defaultResolverPort)
                    ?? IPAddress(text).map({ IPEndpoint(address: $0, port: DNSDiscoveryConfig.defaultResolverPort) }),
                resolver.port != 0
            else {
                self.error(
                    context,
                    "resolvers entries must be IP addresses with an optional port, such as 127.0.0.1:53 or "
                        + "[::1]:53, found \(item.foundDescription)",
                    at: item
                )
                valid = false
                continue
            }
            if !resolvers.contains(resolver) { resolvers.append(resolver) }
        }
        return valid ? resolvers : nil
    }

    /// `etcd:` — `endpoints` (client URLs) and `prefix`.
    private mutating func etcdDiscovery(_ section: MappingEntry, context: String) -> EtcdDiscoveryConfig? {
        guard case .mapping = section.value else {
            self.error(
                context, "expected a mapping with 'endpoints' and 'prefix', found \(section.value.foundDescription)",
                at: section.value
            )
            return nil
        }
        let entries = self.sectionEntries(of: section.value, section: .discoveryEtcd, context: context)
        var endpoints: [String]?
        if let entry = entries["endpoints"] {
            endpoints = self.etcdEndpoints(entry, context: context)
        } else {
            self.error(context, "missing required key 'endpoints'", at: section.keyNode)
        }
        var prefix: String?
        if let entry = entries["prefix"], let text = self.string(entry, context: context) {
            if text.isEmpty {
                self.error(context, "prefix must not be empty (it would take every key of the cluster)", at: entry.value)
            } else {
                prefix = text
                if !text.hasSuffix("/") {
                    self.warning(
                        context,
                        "prefix '\(displayText(text))' does not end with '/': it also takes keys such as "
                            + "'\(displayText(text))2/...'",
                        at: entry.value
                    )
                }
            }
        } else if entries["prefix"] == nil {
            self.error(context, "missing required key 'prefix'", at: section.keyNode)
        }
        guard let endpoints, let prefix else { return nil }
        return EtcdDiscoveryConfig(endpoints: endpoints, prefix: prefix)
    }

    /// `endpoints:` — one URL or a list: `http://HOST[:PORT]` or `https://...`, no path (the port defaults to 2379).
    private mutating func etcdEndpoints(_ entry: MappingEntry, context: String) -> [String]? {
        guard let items = self.stringItems(entry, what: "URLs", context: context) else { return nil }
        guard !items.isEmpty else {
            self.error(context, "endpoints must name at least one URL, found an empty list", at: entry.value)
            return nil
        }
        var endpoints: [String] = []
        var valid = true
        for item in items {
            let text = item.isNull ? "" : item.scalar?.string ?? ""
            switch EtcdEndpointText.normalize(text) {
            case .success(let url):
                if !endpoints.contains(url) { endpoints.append(url) }
            case .failure(let failure):
                self.error(
                    context,
                    "endpoints entries must be URLs such as http://127.0.0.1:2379, found \(item.foundDescription) "
                        + "(\(failure.reason))",
                    at: item
                )
                valid = false
            }
        }
        return valid ? endpoints : nil
    }

    /// The items of a key that takes one string or a list of strings.
    private mutating func stringItems(_ entry: MappingEntry, what: String, context: String) -> [Node]? {
        switch entry.value {
        case .scalar where !entry.value.isNull:
            return [entry.value]
        case .sequence(let sequence):
            return Array(sequence)
        case .scalar, .mapping, .alias:
            self.error(
                context, "\(entry.key) must be a list of \(what), found \(entry.value.foundDescription)", at: entry.value
            )
            return nil
        }
    }

    /// `50%`: a whole or decimal percentage from 0% to 100%, as a fraction.
    private mutating func percentage(_ entry: MappingEntry, context: String) -> Double? {
        if case .scalar(let scalar) = entry.value, scalar.string.hasSuffix("%"),
            let value = Double(scalar.string.dropLast()), scalar.string.first?.isNumber == true,
            (0...100).contains(value)
        {
            return value / 100
        }
        self.error(
            context,
            "\(entry.key) must be a percentage from 0% to 100% such as 50%, found \(entry.value.foundDescription)",
            at: entry.value
        )
        return nil
    }
}

/// etcd client URLs: `http://HOST[:PORT]` or `https://HOST[:PORT]`, a trailing `/` allowed, nothing else.
enum EtcdEndpointText {
    struct Failure: Error, Equatable {
        var reason: String
    }

    /// The URL with its port made explicit and no trailing slash: `http://127.0.0.1:2379`.
    static func normalize(_ text: String) -> Result<String, Failure> {
        let scheme: String
        var rest: Substring
        if text.hasPrefix("http://") {
            scheme = "http"
            rest = text.dropFirst("http://".count)
        } else if text.hasPrefix("https://") {
            scheme = "https"
            rest = text.dropFirst("https://".count)
        } else {
            return .failure(Failure(reason: "it must start with http:// or https://"))
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        if rest.contains("/") || rest.contains("?") || rest.contains("#") {
            return .failure(Failure(reason: "a path is not allowed, only scheme, host and port"))
        }
        if rest.contains("@") { return .failure(Failure(reason: "credentials in the URL are not supported")) }
        let withPort: String
        if rest.hasPrefix("[") {
            withPort = rest.hasSuffix("]") ? "\(rest):\(EtcdDiscoveryConfig.defaultPort)" : String(rest)
        } else {
            withPort = rest.contains(":") ? String(rest) : "\(rest):\(EtcdDiscoveryConfig.defaultPort)"
        }
        switch AddressText.parse(withPort, allowHostname: true) {
        case .success:
            return .success("\(scheme)://\(withPort)")
        case .failure(let failure):
            return .failure(Failure(reason: failure.reason))
        }
    }
}
