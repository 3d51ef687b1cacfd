import FulcrumBalancing
import FulcrumNet

/// One proxied TCP connection: both sockets, both relay directions, and where it is in its life. Stored by value in
/// the engine thread's connection table (no object per connection, no allocation per accept).
struct TCPConnection {
    enum Phase: UInt8 {
        /// The slot is unused. → `awaitingProxyHeader` or `connecting` on accept.
        case free
        /// `accept_proxy_protocol`: waiting for the client's header. → `connecting`, or freed (rejected).
        case awaitingProxyHeader
        /// A backend connect is in flight. → `relaying`, another `connecting` (retry), or freed.
        case connecting
        /// Both sockets are open and bytes flow. → freed.
        case relaying
    }

    var phase: Phase = .free
    /// Bumped every time the slot is freed, so that events still queued for the old connection are ignored.
    var generation: UInt32 = 0
    var clientFD: Int32 = -1
    var backendFD: Int32 = -1
    /// Client → backend.
    var upstream = RelayDirection()
    /// Backend → client.
    var downstream = RelayDirection()
    var upstreamPipe = PipePair.none
    var downstreamPipe = PipePair.none
    var service: ServiceRoute?
    var backend: BackendRoute?
    /// The client as Fulcrum sees it (the PROXY header's source when one was accepted).
    var client = IPEndpoint(address: .v4(0), port: 0)
    /// The address the client connected to (the PROXY header's destination when one was accepted).
    var local = IPEndpoint(address: .v4(0), port: 0)
    /// Backends (member indices) that failed for this connection.
    var tried = Exclusions()
    var attempts: Int = 0
    /// The `SourceCounters` slot held for this connection, or nil.
    var sourceSlot: Int?
    var acceptedAt: UInt64 = 0
    var acceptedAtWall: UInt64 = 0
    var connectStartedAt: UInt64 = 0
    var lastActivity: UInt64 = 0
    /// The client hung up or reset before a backend was reached.
    var clientGone = false
}
