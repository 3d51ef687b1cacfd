import FulcrumNet
import Yams

extension ConfigValidator {
    /// `backends:`, a list (possibly empty: the pool can be filled through the admin API, with a warning).
    mutating func backends(_ entry: MappingEntry, serviceName: String, context: String) -> [BackendConfig] {
        guard case .sequence(let sequence) = entry.value else {
            self.error(
                context,
                "backends must be a list of backends, each with an 'address', found \(entry.value.foundDescription)",
                at: entry.value
            )
            return []
        }
        if sequence.isEmpty {
            self.warning("", "service '\(serviceName)' has no backends", at: entry.keyNode)
        }
        var result: [BackendConfig] = []
        // The backend's identity (its address, normalized) -> its number, to refuse the same backend twice.
        var numbers: [String: Int] = [:]
        for (index, item) in sequence.enumerated() {
            let number = index + 1
            guard let backend = self.backend(item, number: number, context: context) else { continue }
            let identity = Self.identity(of: backend.address)
            if let first = numbers[identity] {
                let addressNode = Self.addressNode(of: item) ?? item
                self.error(
                    "\(context): backend \(number)",
                    "duplicate address '\(displayText(backend.address))' (same as backend \(first))", at: addressNode
                )
                continue
            }
            numbers[identity] = number
            result.append(backend)
        }
        return result
    }

    /// One list item; `nil` when it has any error.
    private mutating func backend(_ item: Node, number: Int, context: String) -> BackendConfig? {
        guard case .mapping = item else {
            self.error(
                context,
                "backend \(number) must be a mapping such as '- address: 10.0.0.1:80', found \(item.foundDescription)",
                at: item
            )
            return nil
        }
        let backendContext = "\(context): backend \(number)"
        let errorsBefore = self.diagnostics.errorCount
        let entries = self.sectionEntries(of: item, section: .backend, context: backendContext)
        var address: (text: String, endpoint: IPEndpoint)?
        if let entry = entries["address"] {
            address = self.backendAddress(entry, context: backendContext)
        } else {
            self.error(backendContext, "missing required key 'address'", at: item)
        }
        let weight = entries["weight"].flatMap {
            self.integer($0, in: 0...BackendConfig.maxWeight, context: backendContext)
        }
        let maxConnections = entries["max_connections"].flatMap {
            self.integer($0, in: 1...Self.maximumCount, context: backendContext)
        }
        guard self.diagnostics.errorCount == errorsBefore, let address else { return nil }
        return BackendConfig(
            address: address.text, endpoint: address.endpoint, weight: weight ?? 1, maxConnections: maxConnections
        )
    }

    /// The address as written and the endpoint it stands for (host names resolved now, once per load).
    private mutating func backendAddress(
        _ entry: MappingEntry, context: String
    ) -> (text: String, endpoint: IPEndpoint)? {
        let expected = "address must be A.B.C.D:PORT, [IPV6]:PORT or HOST:PORT"
        guard case .scalar(let scalar) = entry.value, !entry.value.isNull else {
            self.error(context, "\(expected), found \(entry.value.foundDescription)", at: entry.value)
            return nil
        }
        let text = scalar.string
        switch AddressText.parse(text, allowHostname: true) {
        case .success(.literal(let endpoint)):
            return (text, endpoint)
        case .success(.hostname(let host, let port)):
            let cacheKey = "\(host.lowercased()):\(port)"
            let result = self.resolved[cacheKey] ?? self.resolver.resolve(host: host, port: port)
            self.resolved[cacheKey] = result
            switch result {
            case .success(let endpoint):
                return (text, endpoint)
            case .failure(let failure):
                self.error(context, "cannot resolve host '\(displayText(host))': \(failure.message)", at: entry.value)
                return nil
            }
        case .failure(let failure):
            self.error(
                context, "\(expected), found \(entry.value.foundDescription) (\(failure.reason))", at: entry.value
            )
            return nil
        }
    }

    /// Two spellings of one backend are one backend: `[::1]:80` and `[0::1]:80`, `DB:80` and `db:80`.
    static func identity(of address: String) -> String {
        switch AddressText.parse(address, allowHostname: true) {
        case .success(.literal(let endpoint)): return endpoint.description
        case .success(.hostname(let host, let port)):
            return "\(host.lowercased().trimmingSuffix(".")):\(port)"
        case .failure: return address
        }
    }

    private static func addressNode(of item: Node) -> Node? {
        guard case .mapping(let mapping) = item else { return nil }
        return mapping.first(where: { $0.key.scalar?.string == "address" })?.value
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        self.hasSuffix(suffix) ? String(self.dropLast(suffix.count)) : self
    }
}
