import FulcrumNet

/// What a PROXY protocol header says about a connection: the version it was written in, the command, and, when it
/// carries them, the addresses of the original connection.
///
/// `source` and `destination` are both set or both `nil`. `nil` means "use the real connection's addresses": v1
/// `PROXY UNKNOWN`, the v2 `LOCAL` command (health checks), and v2 headers for families this codec does not express
/// (`AF_UNSPEC`, and `AF_UNIX`, which the specification lets a receiver treat as `AF_UNSPEC`).
public struct ProxyHeader: Hashable, Sendable {
    /// The wire format: v1 is a line of text, v2 is binary.
    public enum Version: Hashable, Sendable {
        case v1
        case v2
    }

    /// `proxy`: the connection was relayed for the client in `source`. `local`: the sender opened the connection on
    /// its own account (a health check), so the real endpoints apply. v1 has no `LOCAL`; its `UNKNOWN` is `proxy`
    /// without addresses.
    public enum Command: Hashable, Sendable {
        case local
        case proxy
    }

    /// The transport of the original connection; `unspecified` whenever the header carries no addresses.
    public enum Transport: Hashable, Sendable {
        case stream
        case datagram
        case unspecified
    }

    /// The wire format the header was read in, or is to be written in.
    public var version: Version
    /// Whether the connection was relayed (`proxy`) or opened by the sender itself (`local`).
    public var command: Command
    /// The original connection's transport; `unspecified` when no addresses are carried.
    public var transport: Transport
    /// The original client, or `nil` when the real connection's peer applies.
    public var source: IPEndpoint?
    /// The address the client connected to, or `nil` when the real connection's local address applies.
    public var destination: IPEndpoint?

    /// A header exactly as given. Prefer `proxy(_:transport:source:destination:)`, `local(_:)` and `unknown(_:)`,
    /// which only build headers the wire can carry.
    public init(
        version: Version,
        command: Command,
        transport: Transport,
        source: IPEndpoint?,
        destination: IPEndpoint?
    ) {
        self.version = version
        self.command = command
        self.transport = transport
        self.source = source
        self.destination = destination
    }

    /// A relayed connection from `source` to `destination`.
    public static func proxy(
        _ version: Version,
        transport: Transport = .stream,
        source: IPEndpoint,
        destination: IPEndpoint
    ) -> ProxyHeader {
        ProxyHeader(version: version, command: .proxy, transport: transport, source: source, destination: destination)
    }

    /// A connection the sender made for itself, such as a health check: v2 `LOCAL`, or v1 `PROXY UNKNOWN`.
    public static func local(_ version: Version = .v2) -> ProxyHeader {
        ProxyHeader(version: version, command: .local, transport: .unspecified, source: nil, destination: nil)
    }

    /// A relayed connection whose addresses cannot be expressed: v1 `PROXY UNKNOWN`, or v2 `PROXY` with `AF_UNSPEC`.
    public static func unknown(_ version: Version) -> ProxyHeader {
        ProxyHeader(version: version, command: .proxy, transport: .unspecified, source: nil, destination: nil)
    }

    /// `true` when the header names the original endpoints; `false` when the real connection's addresses apply.
    public var carriesAddresses: Bool {
        self.command == .proxy && self.transport != .unspecified && self.source != nil && self.destination != nil
    }
}
