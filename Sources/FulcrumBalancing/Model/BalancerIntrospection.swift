/// A balancer whose choice is a function of the client: `source_hash` and `maglev`. Its lookup table can be
/// fingerprinted (instances compare tables) and compared with another one (`FlowMovement`).
public protocol HashingLoadBalancer: LoadBalancer {
    /// Which client facts are hashed.
    var hashKey: HashKey { get }

    /// A digest of the lookup table, 16 lowercase hex digits. It depends only on the members' keys and weights, the
    /// table size, `hashKey` and the algorithm: not on the members' order, their ids, or the service name, so two
    /// instances with the same eligible backends show the same value.
    var fingerprint: String { get }

    /// The member the table gives to a client whose hash is `hash`, before fullness and exclusions are considered
    /// (`nil` only when there are no members).
    func owner(ofHash hash: UInt64) -> Int?
}

/// Why a balancer would pick what it picks, for people (the admin `route` endpoint).
public struct PickExplanation: Sendable {
    /// The member index the balancer would pick now, or `nil` when none is eligible.
    public var index: Int?
    /// One line of free text, e.g. `maglev: hash of source_ip 10.1.2.3 -> slot 4711 of 65537 -> 10.0.0.4:80`.
    public var reason: String

    public init(index: Int?, reason: String) {
        self.index = index
        self.reason = reason
    }
}

/// What every balancer of this module can also say about itself, beyond the `LoadBalancer` requirements.
protocol IntrospectableBalancer: LoadBalancer {
    var kind: BalanceAlgorithm { get }

    /// The pick `pick` would make, with its reason, without side effects (the rotation does not move).
    func explainPick(_ context: PickContext, excluding: Exclusions) -> PickExplanation
}

extension LoadBalancer {
    /// The algorithm of a balancer built by `Balancers.make`; `nil` for balancers from elsewhere (test doubles).
    public var algorithm: BalanceAlgorithm? {
        (self as? any IntrospectableBalancer)?.kind
    }

    /// The table fingerprint of a hash balancer (see `HashingLoadBalancer.fingerprint`), `nil` for the others.
    public var tableFingerprint: String? {
        (self as? any HashingLoadBalancer)?.fingerprint
    }

    /// Which member a new connection from `context` would get now, and why, without moving any rotation. Exact for the
    /// hash algorithms; for the load-based ones it is the current choice (`context.random` fixes the random draws).
    public func explain(_ context: PickContext, excluding: Exclusions = Exclusions()) -> PickExplanation {
        if let introspectable = self as? any IntrospectableBalancer {
            return introspectable.explainPick(context, excluding: excluding)
        }
        let index = self.pick(context, excluding: excluding)
        return PickExplanation(index: index, reason: index == nil ? "no eligible backend" : "chosen by the balancer")
    }
}
