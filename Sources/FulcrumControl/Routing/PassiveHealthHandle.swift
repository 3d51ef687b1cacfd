import FulcrumEngine
import FulcrumHealth

/// Gives the engine a backend's health reporter in the engine's own terms: the engine knows nothing of health
/// checking, and health checking knows nothing of the engine.
struct PassiveHealthHandle: ConnectOutcomeReporting {
    let reporter: HealthReporter

    func connectFailed() { self.reporter.connectFailed() }
    func connectSucceeded() { self.reporter.connectSucceeded() }
}
