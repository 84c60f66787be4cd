package dev.shardline.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WalPositionTest {
    @Test
    void parse_highAndLowWords() {
        assertThat(WalPosition.parse("1/0")).isEqualTo(1L << 32);
        assertThat(WalPosition.parse("0/3000028")).isEqualTo(0x3000028L);
    }

    @Test
    void caughtUp_insertJustPastAPageHeader_pageStartIsEnough() {
        assertThat(WalPosition.caughtUp("0/3000000", "0/3000028")).isTrue();
        assertThat(WalPosition.caughtUp("0/3002000", "0/3002018")).isTrue();
        assertThat(WalPosition.caughtUp("0/2FFFFF8", "0/3000028")).isFalse();
    }

    @Test
    void caughtUp_ordinaryPositions_compared() {
        assertThat(WalPosition.caughtUp("0/3000160", "0/3000160")).isTrue();
        assertThat(WalPosition.caughtUp("0/3000158", "0/3000160")).isFalse();
    }
}
