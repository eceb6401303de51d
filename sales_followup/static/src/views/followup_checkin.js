/** @odoo-module **/

import { Component, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { formatDateTime } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

const { DateTime } = luxon;

// A fresh position (a minute old at most), precise when the phone can.
const POSITION_OPTIONS = { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 };

/**
 * Visit check-in: one tap asks the browser where the rep is (the browser asks the rep's
 * consent); the position goes into the log being written, nowhere else. Refused or
 * unavailable, the log is saved without it, and the rep is told so.
 */
export class FollowupCheckin extends Component {
    static template = "sales_followup.FollowupCheckin";
    static props = { ...standardWidgetProps };

    setup() {
        this.state = useState({ busy: false, problem: "" });
    }

    get data() {
        return this.props.record.data;
    }

    get checkedIn() {
        return Boolean(this.data.checkin_date);
    }

    get summary() {
        const { checkin_latitude: lat, checkin_longitude: lon, checkin_accuracy: acc } = this.data;
        return _t("%(lat)s, %(lon)s (±%(accuracy)s m) at %(time)s", {
            lat: lat.toFixed(5),
            lon: lon.toFixed(5),
            accuracy: Math.round(acc),
            time: formatDateTime(this.data.checkin_date, { showSeconds: false }),
        });
    }

    get mapUrl() {
        // Computed by the server from the position (tools/geo.py).
        return this.data.checkin_map_url || "";
    }

    checkIn() {
        if (!navigator.geolocation) {
            this.state.problem = _t(
                "This browser cannot give a location: the visit will be saved without a check-in."
            );
            return;
        }
        this.state.busy = true;
        this.state.problem = "";
        navigator.geolocation.getCurrentPosition(
            (position) => this.onPosition(position),
            (error) => this.onError(error),
            POSITION_OPTIONS
        );
    }

    async onPosition(position) {
        this.state.busy = false;
        const { latitude, longitude, accuracy } = position.coords;
        await this.props.record.update({
            checkin_latitude: latitude,
            checkin_longitude: longitude,
            checkin_accuracy: accuracy,
            checkin_date: DateTime.fromMillis(position.timestamp || Date.now()),
        });
    }

    onError(error) {
        this.state.busy = false;
        this.state.problem =
            error.code === error.PERMISSION_DENIED
                ? _t(
                      "Location refused: the visit will be saved without a check-in. Allow the location for this site to check in."
                  )
                : _t("Location unavailable: the visit will be saved without a check-in.");
    }
}

export const followupCheckin = {
    component: FollowupCheckin,
    fieldDependencies: [
        { name: "checkin_latitude", type: "float" },
        { name: "checkin_longitude", type: "float" },
        { name: "checkin_accuracy", type: "float" },
        { name: "checkin_date", type: "datetime" },
        { name: "checkin_map_url", type: "char" },
    ],
};

registry.category("view_widgets").add("followup_checkin", followupCheckin);
