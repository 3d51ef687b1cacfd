import Testing

@testable import FulcrumHealth

@Suite struct ExpectMatcherTests {
    @Test func matchesAcrossEverySplit() {
        let reply = Array("HTTP/1.0 200 OK\r\nhello PONG world".utf8)
        for cut in 0...reply.count {
            var matcher = ExpectMatcher(expected: Array("PONG".utf8))
            let first = matcher.append(reply[..<cut])
            let second = matcher.append(reply[cut...])
            #expect(first == .matched || second == .matched, "cut at \(cut)")
        }
    }

    @Test func matchesByteByByte() {
        var matcher = ExpectMatcher(expected: Array("PONG".utf8))
        var outcomes: [ExpectMatcher.Outcome] = []
        for byte in "xxPONG".utf8 {
            outcomes.append(matcher.append([byte]))
        }
        #expect(outcomes == [.needMore, .needMore, .needMore, .needMore, .needMore, .matched])
    }

    @Test func stopsAtTheLimit() {
        var matcher = ExpectMatcher(expected: Array("PONG".utf8))
        #expect(matcher.append([UInt8](repeating: 0x78, count: 16 * 1024 - 1)) == .needMore)
        // The match would end beyond 16 KiB: only one more byte is taken.
        #expect(matcher.append(Array("PONG".utf8)) == .limitReached)
        #expect(matcher.received.count == 16 * 1024)
    }

    @Test func matchEndingExactlyAtTheLimitCounts() {
        var matcher = ExpectMatcher(expected: Array("PONG".utf8))
        #expect(matcher.append([UInt8](repeating: 0x78, count: 16 * 1024 - 4) + Array("PONG".utf8)) == .matched)
    }

    @Test func emptyExpectationIsMet() {
        let matcher = ExpectMatcher(expected: [])
        #expect(matcher.outcome == .matched)
    }

    @Test func partialPrefixesDoNotMatch() {
        var matcher = ExpectMatcher(expected: Array("PONG".utf8))
        #expect(matcher.append(Array("PONPONPON".utf8)) == .needMore)
        #expect(matcher.append(Array("G".utf8)) == .matched)
    }
}
