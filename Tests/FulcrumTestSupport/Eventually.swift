import Foundation

/// Waits for something another thread or process makes true: polls `condition` every 20 ms until it holds or
/// `timeout` passes, and returns whether it held. The timeout only bounds a failing test; a passing one returns as
/// soon as the condition holds, so bounds can be generous. Never use it to let time pass (a condition that cannot
/// hold is a sleep): a test that must wait for an instant takes it from an injected clock or a SPEC bound.
public func eventually(timeout: Duration = .seconds(10), _ condition: () throws -> Bool) rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return try condition()
}

/// `eventually` for async tests: suspends between polls instead of blocking a thread of the cooperative pool.
public func eventually(timeout: Duration = .seconds(10), _ condition: () throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try condition()
}
