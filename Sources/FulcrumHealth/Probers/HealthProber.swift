import FulcrumNet
import NIOCore

/// Runs the probe a service's health_check asks for, by transport.
public enum HealthProber {
    /// One probe of `backend` as `check` describes it (port override, payload, PROXY header, timeout).
    public static func probe(
        _ check: HealthCheckSpec,
        backend: IPEndpoint,
        on loop: any EventLoop
    ) -> EventLoopFuture<ProbeResult> {
        let request = ProbeRequest(check: check, backend: backend)
        switch check.transport {
        case .tcp: return TCPProber.probe(request, on: loop)
        case .udp: return UDPProber.probe(request, on: loop)
        }
    }
}

/// How the monitor runs one probe: `network` does real TCP/UDP I/O; tests inject scripted outcomes so that the
/// monitor's timing can be driven by a testing event loop instead of real sockets and real time.
public struct HealthProbe: Sendable {
    /// Probes `backend` as the check describes, on `loop`; the future completes on `loop`.
    public let run: @Sendable (HealthCheckSpec, IPEndpoint, any EventLoop) -> EventLoopFuture<ProbeResult>

    public init(_ run: @escaping @Sendable (HealthCheckSpec, IPEndpoint, any EventLoop) -> EventLoopFuture<ProbeResult>) {
        self.run = run
    }

    /// Real probes over the network (`HealthProber.probe`).
    public static let network = HealthProbe { check, backend, loop in
        HealthProber.probe(check, backend: backend, on: loop)
    }
}
