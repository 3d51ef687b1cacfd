import FulcrumBalancing
import FulcrumConfig

/// What changes between two configurations, in the words of `fulcrum diff` (SPEC §1, §7), with the share of flows
/// that move for hash services computed from the real tables (not estimated). Shared by `fulcrum diff` and the
/// reload dry run, so both say the same thing.
public struct ConfigComparison: Sendable {
    /// One line per changed service (`NAME: ...`), then global settings; empty when nothing changed.
    public let lines: [String]
    /// For every hash service whose table changes: the fraction (0...1) of the hash space that moves to another
    /// backend. Services that hash on only one side are not listed (not comparable).
    public let flowsMoved: [String: Double]

    public init(old: Configuration, new: Configuration) {
        var lines: [String] = []
        var flowsMoved: [String: Double] = [:]
        for change in describeChanges(old: old, new: new) {
            var moved: Double?
            if change.hashComparable, let before = change.old, let after = change.new {
                moved = ConfigComparison.fractionMoved(from: before, to: after)
                if change.hashTableChanged, let moved { flowsMoved[change.name] = moved }
            }
            lines += change.lines(flowsMoved: moved)
        }
        lines += describeGlobalChanges(old: old, new: new)
        self.lines = lines
        self.flowsMoved = flowsMoved
    }

    /// The share of client flows whose backend changes between two versions of a hash service, with every backend
    /// of weight > 0 counted as eligible (health is runtime state, not part of a file).
    public static func fractionMoved(from old: ServiceConfig, to new: ServiceConfig) -> Double? {
        FlowMovement.fractionMoved(from: self.balancer(for: old), to: self.balancer(for: new))
    }

    /// The balancer a service's file describes, every backend counted as up.
    public static func balancer(for service: ServiceConfig) -> any LoadBalancer {
        let members = service.backends.enumerated().compactMap { index, backend -> BalancerMember? in
            guard backend.weight > 0 else { return nil }
            return BalancerMember(
                id: BackendID(UInt32(index)), key: backend.address, weight: backend.weight,
                maxConnections: backend.maxConnections, load: BackendLoad())
        }
        return Balancers.make(
            algorithm: service.balance, hashKey: service.hashKey, members: members, rotation: RoundRobinRotation())
    }
}
