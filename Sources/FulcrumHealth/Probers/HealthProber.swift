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
