package com.repricer.debugpod;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

class PodReadinessTest {

    @Test
    void pendingWithoutStatusIsWaiting() {
        assertThat(PodReadiness.of(pod()).state(), is(PodReadiness.State.WAITING));
    }

    @Test
    void readyConditionIsReady() {
        Pod pod = new PodBuilder(pod()).withNewStatus().withPhase("Running")
                                       .addNewCondition().withType("Ready").withStatus("True").endCondition()
                                       .endStatus().build();
        assertThat(PodReadiness.of(pod).state(), is(PodReadiness.State.READY));
    }

    @Test
    void creatingContainerIsWaitingWithTheReason() {
        Pod pod = waiting("ContainerCreating", null);
        assertThat(PodReadiness.of(pod), is(new PodReadiness(PodReadiness.State.WAITING,
                                                             "Pending, ContainerCreating")));
    }

    @Test
    void imagePullFailuresAreFinal() {
        for (String reason : new String[] {"ErrImagePull", "ImagePullBackOff", "InvalidImageName"}) {
            PodReadiness readiness = PodReadiness.of(waiting(reason, "manifest unknown"));
            assertThat(readiness.state(), is(PodReadiness.State.IMAGE_PULL_FAILED));
            assertThat(readiness.detail(), is(reason + ": manifest unknown"));
        }
    }

    @Test
    void crashesAndExitsAreFailures() {
        assertThat(PodReadiness.of(waiting("CrashLoopBackOff", "back-off")).state(), is(PodReadiness.State.FAILED));
        Pod exited = new PodBuilder(pod()).withNewStatus().withPhase("Failed")
                                          .addNewContainerStatus().withName("repricer").withNewState()
                                          .withNewTerminated().withExitCode(2).withReason("Error").endTerminated()
                                          .endState().endContainerStatus().endStatus().build();
        PodReadiness readiness = PodReadiness.of(exited);
        assertThat(readiness.state(), is(PodReadiness.State.FAILED));
        assertThat(readiness.detail(), containsString("container exited with 2 (Error)"));
        assertThat(PodReadiness.of(null).state(), is(PodReadiness.State.FAILED));
    }

    @Test
    void unschedulableSaysWhy() {
        Pod pod = new PodBuilder(pod()).withNewStatus().withPhase("Pending")
                                       .addNewCondition().withType("PodScheduled").withStatus("False")
                                       .withReason("Unschedulable").withMessage("0/3 nodes are available")
                                       .endCondition().endStatus().build();
        assertThat(PodReadiness.of(pod).detail(), is("Pending, Unschedulable: 0/3 nodes are available"));
    }

    private static Pod pod() {
        return new PodBuilder().withNewMetadata().withName("p").endMetadata().build();
    }

    private static Pod waiting(String reason, String message) {
        return new PodBuilder(pod()).withNewStatus().withPhase("Pending")
                                    .addNewContainerStatus().withName("repricer").withNewState().withNewWaiting()
                                    .withReason(reason).withMessage(message).endWaiting().endState()
                                    .endContainerStatus().endStatus().build();
    }
}
